/**
 * Resume on the page (issue 10): a file from kad send that was interrupted
 * (kill -9 of the sender) keeps its partial in the tab's origin-private
 * storage; sent again under a new code, to a room the same tab joins by its
 * link's fragment (no reload), it continues where it stopped, and the whole
 * file's SHA-256 is still checked. A changed file is never stitched, and
 * the person's own Cancel keeps nothing.
 */
import { open, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { expect, it } from "vitest";
import { openPage, saveAll, waitForTransfers } from "../helpers/browser.js";
import { useBrowserEnv } from "../helpers/browser-env.js";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { watchKad } from "../helpers/kad-process.js";
import { useTempDir } from "../helpers/temp-dir.js";

const env = useBrowserEnv();

const MiB = 1024 * 1024;
const FILE_BYTES = 48 * MiB;
/** Kill the sender once the page shows this much: well inside the file. */
const INTERRUPT_AT = 16 * MiB;
const STATUS = ".transfer[data-direction=receive] .transfer-status";

/** kad send of `source`; the page joins its room (by navigating, or by the fragment alone). */
async function send(source: string, join: (url: string, code: string) => Promise<void>) {
  const sender = watchKad(env.kad(["send", "--server", env.secureOrigin, "--json", source]));
  const { url, code } = await sender.waitForEvent((event) => event.event === "code");
  await join(String(url), String(code));
  return sender;
}

/** The same tab, another room: only the fragment changes, so the page does not reload. */
const joinByFragment = (page: Page) => async (_url: string, code: string) => {
  await page.evaluate((room) => {
    location.hash = `#/${room}`;
  }, code);
};

/** A transfer of `source` to a new tab, the sender killed once the page stored INTERRUPT_AT. */
async function interruptedTransfer(
  context: BrowserContext,
  source: string,
  how: "kill" | "cancel" = "kill",
): Promise<Page> {
  let page: Page | undefined;
  const sender = await send(source, async (url) => {
    page = await openPage(context, url);
  });
  const tab = page as Page;
  await tab.waitForFunction(
    (bytes) => {
      const bar = document.querySelector<HTMLProgressElement>(
        ".transfer[data-state=active] progress",
      );
      return (bar?.value ?? 0) >= bytes;
    },
    INTERRUPT_AT,
    { polling: 20, timeout: 60_000 },
  );
  if (how === "cancel") {
    await tab.getByRole("button", { name: "Cancel receiving big.bin" }).click();
    await tab.locator(".transfer[data-state=cancelled]").waitFor();
    await sender.exited;
    return tab;
  }
  sender.child.kill("SIGKILL");
  await tab.locator(".transfer[data-state=failed]").waitFor({ timeout: 60_000 });
  expect(await tab.locator(STATUS).textContent()).toMatch(/left before the transfer finished/);
  return tab;
}

/** kad send of `source` to a new room in the same tab: it arrives whole, from byte 0. */
async function sendAgainFromByteZero(page: Page, source: string): Promise<void> {
  const again = await send(source, joinByFragment(page));
  await waitForTransfers(page, "receive", 1);
  expect(await again.exited).toBe(0);
  expect(await page.locator(STATUS).textContent()).toBe("Received, SHA-256 verified.");
  expect(await saveAll(page)).toEqual(new Map([["big.bin", await sha256File(source)]]));
}

async function prepare(): Promise<string> {
  const source = join(await useTempDir(), "big.bin");
  await writeRandomFile(source, FILE_BYTES);
  return source;
}

it("kad send killed mid-file, sent again: the page continues its partial and verifies the whole file", async () => {
  const source = await prepare();
  const browser = await env.launch();
  const page = await interruptedTransfer(browser.context, source);

  const again = await send(source, joinByFragment(page));
  await waitForTransfers(page, "receive", 1);
  expect(await again.exited).toBe(0);
  const status = (await page.locator(STATUS).textContent()) ?? "";
  const resumedAt = /^Received, SHA-256 verified \(resumed at ([\d.]+) MiB\)\.$/.exec(status);
  expect(resumedAt, status).not.toBeNull();
  expect(Number(resumedAt?.[1])).toBeGreaterThanOrEqual(INTERRUPT_AT / MiB);
  expect(await saveAll(page)).toEqual(new Map([["big.bin", await sha256File(source)]]));
}, 180_000);

it("a file changed since (same size, time and first bytes) starts afresh", async () => {
  const source = await prepare();
  const browser = await env.launch();
  const page = await interruptedTransfer(browser.context, source);
  const before = await stat(source);
  const handle = await open(source, "r+");
  await handle.write(Buffer.alloc(4096, 0x5a), 0, 4096, MiB);
  await handle.close();
  await utimes(source, before.atime, before.mtime);
  await sendAgainFromByteZero(page, source);
}, 180_000);

it("Cancel on the page keeps nothing: the same file sent again starts afresh", async () => {
  const source = await prepare();
  const browser = await env.launch();
  const page = await interruptedTransfer(browser.context, source, "cancel");
  await sendAgainFromByteZero(page, source);
}, 180_000);
