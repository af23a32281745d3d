/** Screenshots kept under test-artifacts/ (gitignored) for a person to look at. */
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { onTestFailed } from "vitest";

export const ARTIFACTS_DIR = resolve(import.meta.dirname, "../../test-artifacts");

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Characters of each page's text shown when a test fails. */
const PAGE_TEXT_SHOWN = 2000;

/**
 * When the calling test fails, print what each of the browser's pages showed
 * (its URL and visible text): a wait that timed out then says what was on
 * screen instead. Outside a test (a beforeAll hook) it does nothing.
 */
export function reportPagesOnFailure(context: BrowserContext): void {
  try {
    onTestFailed(async () => {
      for (const page of context.pages().filter((open) => open.url() !== "about:blank")) {
        const text = await page
          .locator("body")
          // biome-ignore lint/performance/useDomNodeTextContent: what was on screen, not hidden text
          .innerText({ timeout: 2_000 })
          .catch((error: unknown) => `(no text: ${String(error).split("\n")[0]})`);
        console.error(`page ${page.url()} showed:\n${text.slice(0, PAGE_TEXT_SHOWN)}`);
      }
    });
  } catch {
    // Not inside a test: nobody to report to.
  }
}
