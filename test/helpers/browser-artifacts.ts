/** Screenshots kept under test-artifacts/ (gitignored) for a person to look at. */
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";

export const ARTIFACTS_DIR = resolve(import.meta.dirname, "../../test-artifacts");

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}
