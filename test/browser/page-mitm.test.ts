/**
 * A signaling server in the middle (test/helpers/mitm-server.ts, run inside
 * the namespace) swaps the SDP for its own peers and pipes the share
 * channels: between kad and the page, in both directions, the code check
 * must catch it, nothing is written, and the attacker sees no file byte.
 */
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { createRoom, openPage, sendFiles, waitForMember, waitJoined } from "../helpers/browser.js";
import { useBrowserEnv } from "../helpers/browser-env.js";
import { writeRandomFile } from "../helpers/files.js";
import { watchKad } from "../helpers/kad-process.js";
import { startMitmInside } from "../helpers/mitm-process.js";
import { useTempDir } from "../helpers/temp-dir.js";

const env = useBrowserEnv();

async function secretFile(name: string) {
  const dir = await useTempDir();
  const source = join(dir, name);
  await writeRandomFile(source, 100_000);
  const output = join(dir, "out");
  await mkdir(output);
  return { dir, source, output };
}

/** The attack was in place (the check went through its pipe), and it saw nothing of the file. */
async function expectNothingLeaked(piped: Buffer, source: string, name: string) {
  expect(piped.toString()).toContain('"kad":"pake"');
  expect(piped.toString()).not.toContain(name);
  const file = await readFile(source);
  expect(piped.includes(file.subarray(0, 64))).toBe(false);
}

async function failedRow(page: import("playwright-core").Page, direction: string) {
  const row = page.locator(`.transfer[data-direction=${direction}][data-state=failed]`).first();
  await row.waitFor({ timeout: 60_000 });
  return (await row.textContent()) ?? "";
}

it("kad send -> page through a server in the middle: both detect it, nothing is kept", async () => {
  const { dir, source } = await secretFile("plans-to-page.bin");
  const mitm = await startMitmInside(env, dir);
  const sender = watchKad(
    env.kad(["send", "--server", mitm.url, "--json", "--timeout", "8", source]),
  );
  const { url } = await sender.waitForEvent((event) => event.event === "code");
  const browser = await env.launch();
  const page = await openPage(browser.context, String(url));
  await waitJoined(page);
  expect(await failedRow(page, "receive")).toContain("code did not match");
  expect(await sender.exited).toBe(6);
  expect(sender.events.at(-1)).toMatchObject({ event: "error", code: "BAD_CODE" });
  expect(await page.locator(".transfer[data-state=done], a[download]").count()).toBe(0);
  await expectNothingLeaked(await mitm.stop(), source, "plans-to-page");
});

it("page -> kad receive through a server in the middle: both detect it, nothing is written", async () => {
  const { dir, source, output } = await secretFile("plans-to-kad.bin");
  const mitm = await startMitmInside(env, dir);
  const browser = await env.launch();
  const page = await openPage(browser.context, `${mitm.url}/`);
  const code = await createRoom(page);
  const receiver = watchKad(
    env.kad(["receive", "--server", mitm.url, "--json", "-o", output, code]),
  );
  await sendFiles(page, await waitForMember(page), [source]);
  expect(await failedRow(page, "send")).toContain("code did not match");
  expect(await receiver.exited).toBe(6);
  expect(receiver.events.at(-1)).toMatchObject({ event: "error", code: "BAD_CODE" });
  expect(await readdir(output)).toEqual([]);
  await expectNothingLeaked(await mitm.stop(), source, "plans-to-kad");
});
