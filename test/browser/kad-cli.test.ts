import { createReadStream } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import {
  openPage,
  saveAll,
  sendFiles,
  waitForMember,
  waitForTransfers,
  waitJoined,
} from "../helpers/browser.js";
import { saveScreenshot } from "../helpers/browser-artifacts.js";
import { useBrowserEnv } from "../helpers/browser-env.js";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { watchKad } from "../helpers/kad-process.js";
import { roomWithKadReceiver } from "../helpers/page-to-kad.js";
import { useTempDir } from "../helpers/temp-dir.js";

const env = useBrowserEnv();

const MiB = 1024 * 1024;

async function filesWithHashes(paths: string[]): Promise<Map<string, string>> {
  const entries = await Promise.all(
    paths.map(async (path) => [path.split("/").pop() as string, await sha256File(path)] as const),
  );
  return new Map(entries);
}

it("kad send -> browser: a 20 MiB file arrives verified, and kad send exits 0", async () => {
  const dir = await useTempDir();
  const source = join(dir, "twenty.bin");
  await writeRandomFile(source, 20 * MiB);
  const sender = watchKad(env.kad(["send", "--server", env.secureOrigin, "--json", source]));
  const { code, url } = await sender.waitForEvent((event) => event.event === "code");
  expect(url).toBe(`${env.secureOrigin}/#/${String(code).replace(/-([a-z]+-[a-z]+)$/, "/$1")}`);

  const browser = await env.launch();
  const page = await openPage(browser.context, String(url));
  await waitJoined(page);
  await page.locator(".transfer[data-state=active]").waitFor({ timeout: 30_000 });
  // Best effort: once the rate and time left show; a fast run may finish first.
  await page
    .locator(".transfer[data-state=active] .transfer-detail", { hasText: /left$/ })
    .waitFor({ timeout: 5_000 })
    .catch(() => undefined);
  await saveScreenshot(page, "room-mid-transfer.png");
  await waitForTransfers(page, "receive", 1);

  expect(await page.locator(".transfer-status").textContent()).toBe("Received, SHA-256 verified.");
  expect(await sender.exited).toBe(0);
  expect(await saveAll(page)).toEqual(await filesWithHashes([source]));
});

it("kad send -> browser: several files, one initiate each", async () => {
  const dir = await useTempDir();
  const sources = [join(dir, "a.bin"), join(dir, "b.txt"), join(dir, "c d.dat")];
  await Promise.all(sources.map((path, i) => writeRandomFile(path, (i + 1) * 700_000 + i)));
  const sender = watchKad(env.kad(["send", "--server", env.secureOrigin, "--json", ...sources]));
  const { url } = await sender.waitForEvent((event) => event.event === "code");

  const browser = await env.launch();
  const page = await openPage(browser.context, String(url));
  await waitForTransfers(page, "receive", 3);
  expect(await sender.exited).toBe(0);
  expect(await saveAll(page)).toEqual(await filesWithHashes(sources));
  await page.locator(".transfer-note", { hasText: "has finished sending (3 files)" }).waitFor();
});

it("kad send DIR -> browser: files of a folder show their relative paths", async () => {
  const dir = await useTempDir();
  const folder = join(dir, "photos");
  await mkdir(join(folder, "trip"), { recursive: true });
  const sources = [join(folder, "a.jpg"), join(folder, "trip", "b.jpg")];
  await Promise.all(sources.map((path) => writeRandomFile(path, 100_000)));
  const sender = watchKad(env.kad(["send", "--server", env.secureOrigin, "--json", folder]));
  const { url } = await sender.waitForEvent((event) => event.event === "code");

  const browser = await env.launch();
  const page = await openPage(browser.context, String(url));
  await waitForTransfers(page, "receive", 2);
  expect(await sender.exited).toBe(0);
  expect((await page.locator(".transfer-name").allTextContents()).sort()).toEqual([
    "photos/a.jpg",
    "photos/trip/b.jpg",
  ]);
  expect(await saveAll(page)).toEqual(await filesWithHashes(sources));
});

it("browser -> kad receive: files chosen on the page arrive verified, and kad receive exits 0", async () => {
  const dir = await useTempDir();
  const sources = [join(dir, "from-browser.bin"), join(dir, "second file.txt")];
  await writeRandomFile(sources[0] as string, 5 * MiB + 5);
  await writeRandomFile(sources[1] as string, 12_345);
  const output = join(dir, "received");
  await mkdir(output);

  const browser = await env.launch();
  const { page, receiver } = await roomWithKadReceiver(env, browser.context, output);
  await sendFiles(page, await waitForMember(page), sources);
  await waitForTransfers(page, "send", 2);

  expect(await receiver.exited).toBe(0);
  const statuses = await page.locator(".transfer-status").allTextContents();
  expect(statuses).toEqual(Array(2).fill("Sent; the receiver verified its SHA-256."));
  expect((await readdir(output)).sort()).toEqual(["from-browser.bin", "second file.txt"]);
  expect(
    await filesWithHashes(sources.map((path) => join(output, path.split("/").pop() as string))),
  ).toEqual(await filesWithHashes(sources));
});

it("kad send - -> browser: a stream of unknown length arrives verified", async () => {
  const dir = await useTempDir();
  const source = join(dir, "stream.bin");
  await writeRandomFile(source, 3 * MiB + 1);
  const sender = watchKad(
    env.kad(["send", "--server", env.secureOrigin, "--json", "-"], { stdin: "pipe" }),
  );
  const stdin = sender.child.stdin as NodeJS.WritableStream;
  // If kad dies early the pipe breaks; the test then fails on its exit, not on EPIPE.
  stdin.on("error", () => undefined);
  createReadStream(source).pipe(stdin);
  const { url } = await sender.waitForEvent((event) => event.event === "code");

  const browser = await env.launch();
  const page = await openPage(browser.context, String(url));
  await waitForTransfers(page, "receive", 1);
  expect(await page.locator(".transfer-status").textContent()).toBe("Received, SHA-256 verified.");
  expect(await sender.exited).toBe(0);
  const [hash] = (await saveAll(page)).values();
  expect(hash).toBe(await sha256File(source));
});

it("Cancel on the page stops kad send (exit 3) and kad receive (exit 3, nothing kept)", async () => {
  const dir = await useTempDir();
  const source = join(dir, "large.bin");
  await writeRandomFile(source, 400 * MiB);
  const browser = await env.launch();

  const sender = watchKad(env.kad(["send", "--server", env.secureOrigin, "--json", source]));
  const { url } = await sender.waitForEvent((event) => event.event === "code");
  const receiving = await openPage(browser.context, String(url));
  await receiving.locator(".transfer[data-state=active]").waitFor();
  await receiving.getByRole("button", { name: "Cancel receiving large.bin" }).click();
  await receiving.locator(".transfer[data-state=cancelled]").waitFor();
  // Exit 3 (peer left). kad usually also says the peer cancelled; it may report
  // the closed connection instead when it notices that first.
  expect(await sender.exited).toBe(3);

  const output = join(dir, "received");
  await mkdir(output);
  const { page, receiver } = await roomWithKadReceiver(env, browser.context, output);
  await sendFiles(page, await waitForMember(page), [source]);
  await page.locator(".transfer[data-state=active]").waitFor();
  await page.getByRole("button", { name: "Cancel sending large.bin" }).click();
  await page.locator(".transfer[data-state=cancelled]").waitFor();
  expect(await receiver.exited).toBe(3);
  expect(await readdir(output)).toEqual([]);
});

it("kad send -> browser with a wrong secret in the link: the code check fails, nothing arrives", async () => {
  const dir = await useTempDir();
  const source = join(dir, "private.bin");
  await writeRandomFile(source, 100_000);
  const sender = watchKad(env.kad(["send", "--server", env.secureOrigin, "--json", source]));
  const { url } = await sender.waitForEvent((event) => event.event === "code");
  const wrong = String(url).replace(/\/([a-z]+)-([a-z]+)$/, (_, first, second) =>
    second === "acid" ? `/${first}-acorn` : `/${first}-acid`,
  );

  const browser = await env.launch();
  const page = await openPage(browser.context, wrong);
  const warning = await sender.waitForEvent((event) => event.event === "warning");
  expect(String(warning.message)).toContain("did not know the code");
  await page.locator(".transfer", { hasText: "The code did not match" }).waitFor();
  expect(await page.locator(".transfer-status", { hasText: "Received" }).count()).toBe(0);
});
