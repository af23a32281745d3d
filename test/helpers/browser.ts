/** What a person does on kad's web page, as playwright-core steps. */
import type { BrowserContext, Download, Page } from "playwright-core";
import { sha256File } from "./files.js";

const STEP_TIMEOUT_MS = 30_000;

/** Opens the page and collects its console errors, so a failing test can show them. */
export async function openPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") process.stderr.write(`[page] ${message.text()}\n`);
  });
  page.on("pageerror", (error) => process.stderr.write(`[page] ${error.stack ?? error.message}\n`));
  await page.goto(url);
  return page;
}

/** Creates a room from the home page; returns its code once the creator has joined. */
export async function createRoom(page: Page, options: { code?: string; password?: string } = {}) {
  if (options.code) await page.getByLabel("Room code").fill(options.code);
  if (options.password) await page.getByLabel("Password").fill(options.password);
  await page.getByRole("button", { name: "Create room" }).click();
  await waitJoined(page);
  return (await page.getByTestId("room-code").textContent()) ?? "";
}

export async function waitJoined(page: Page): Promise<void> {
  await page.locator(".room[data-state=joined]").waitFor({ timeout: STEP_TIMEOUT_MS });
}

/** This page's own name in the room. */
export async function ownName(page: Page): Promise<string> {
  const status = (await page.locator(".room > .status").textContent()) ?? "";
  return /You are (\S+)\./.exec(status)?.[1] ?? "";
}

export async function waitForMember(page: Page, name?: string): Promise<string> {
  const selector = name ? `.member[data-member="${name}"]` : ".member";
  const member = page.locator(selector).first();
  await member.waitFor({ timeout: STEP_TIMEOUT_MS });
  return (await member.getAttribute("data-member")) ?? "";
}

/** Chooses files for a member through the "Send files…" button's file input. */
export async function sendFiles(page: Page, member: string, paths: string[]): Promise<void> {
  await page.locator(`.member[data-member="${member}"] input[type=file]`).setInputFiles(paths);
}

export async function waitForTransfers(
  page: Page,
  direction: "send" | "receive",
  count: number,
  timeout = 120_000,
): Promise<void> {
  const rows = `.transfer[data-direction=${direction}]`;
  await page.waitForFunction(
    ({ rows, count }) => {
      const all = Array.from(document.querySelectorAll(rows));
      const failed = all.find((row) => row.getAttribute("data-state") === "failed");
      if (failed) throw new Error(`transfer failed: ${failed.textContent}`);
      return all.filter((row) => row.getAttribute("data-state") === "done").length >= count;
    },
    { rows, count },
    { timeout, polling: 200 },
  );
}

/** Clicks each "Save" link and returns SHA-256 of every download, by file name. */
export async function saveAll(page: Page): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const links = page.locator(".transfer[data-state=done] a[download]");
  for (const link of await links.all()) {
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    hashes.set(download.suggestedFilename(), await hashDownload(download));
  }
  return hashes;
}

async function hashDownload(download: Download): Promise<string> {
  const failure = await download.failure();
  if (failure) throw new Error(`download failed: ${failure}`);
  return sha256File(await download.path());
}
