/**
 * Sessions between the page and kad (issue 10): every file of a send on one
 * connection. Rows carry `data-connection`, the number of the page's
 * connection they went on.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { openPage, sendFiles, waitForMember, waitForTransfers } from "../helpers/browser.js";
import { useBrowserEnv } from "../helpers/browser-env.js";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { watchKad } from "../helpers/kad-process.js";
import { roomWithKadReceiver } from "../helpers/page-to-kad.js";
import { useTempDir } from "../helpers/temp-dir.js";

const env = useBrowserEnv();

const TREE_FILES = 1_000;
const TREE_FILE_BYTES = 4 * 1024;

async function connectionsOf(page: Page, direction: "send" | "receive"): Promise<Set<string>> {
  const rows = page.locator(`.transfer[data-direction=${direction}]`);
  const numbers = await rows.evaluateAll((all) =>
    all.map((row) => row.getAttribute("data-connection")),
  );
  return new Set(numbers.map(String));
}

/** SHA-256 of the download behind one row's Save link. */
async function saveOne(page: Page, name: string): Promise<string> {
  const link = page.locator(`.transfer[data-state=done] a[download="${name}"]`);
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  return sha256File(await download.path());
}

it("kad send of a 1,000-file tree -> page: every file arrives on one connection", async () => {
  const dir = await useTempDir();
  const tree = join(dir, "tree");
  const paths: string[] = [];
  for (let index = 0; index < TREE_FILES; index += 1) {
    const folder = join(tree, `d${Math.floor(index / 100)}`);
    if (index % 100 === 0) await mkdir(folder, { recursive: true });
    paths.push(join(folder, `f${String(index).padStart(4, "0")}.bin`));
  }
  await Promise.all(paths.map((path) => writeRandomFile(path, TREE_FILE_BYTES)));
  const sender = watchKad(env.kad(["send", "--server", env.secureOrigin, "--json", tree]));
  const { url } = await sender.waitForEvent((event) => event.event === "code");

  const browser = await env.launch();
  const page = await openPage(browser.context, String(url));
  await waitForTransfers(page, "receive", TREE_FILES, 200_000);
  expect(await sender.exited).toBe(0);
  expect(sender.events.find((event) => event.event === "done")).toMatchObject({
    files: TREE_FILES,
    bytes: TREE_FILES * TREE_FILE_BYTES,
  });
  expect(await page.locator(".transfer[data-state=done]").count()).toBe(TREE_FILES);
  expect(await connectionsOf(page, "receive")).toEqual(new Set(["1"]));
  await page
    .locator(".transfer-note", { hasText: `has finished sending (${TREE_FILES} files)` })
    .waitFor();
  for (const index of [0, 457, TREE_FILES - 1]) {
    const path = paths[index] as string;
    expect(await saveOne(page, path.split("/").pop() as string)).toBe(await sha256File(path));
  }
}, 300_000);

it("page -> kad receive: several picked files go on one connection", async () => {
  const dir = await useTempDir();
  const sources = ["one.bin", "two.bin", "three.txt", "four.dat", "five.bin"].map((name) =>
    join(dir, name),
  );
  await Promise.all(sources.map((path, i) => writeRandomFile(path, 300_000 * i + 17)));
  const output = join(dir, "received");
  await mkdir(output);

  const browser = await env.launch();
  const { page, receiver } = await roomWithKadReceiver(env, browser.context, output);
  await sendFiles(page, await waitForMember(page), sources);
  await waitForTransfers(page, "send", sources.length);

  expect(await receiver.exited).toBe(0);
  const received = receiver.events.filter((event) => event.event === "file-done");
  expect(received.map((event) => event.name).sort()).toEqual(
    sources.map((path) => path.split("/").pop()).sort(),
  );
  expect(await connectionsOf(page, "send")).toEqual(new Set(["1"]));
  for (const path of sources) {
    expect(await sha256File(join(output, path.split("/").pop() as string))).toBe(
      await sha256File(path),
    );
  }
});
