import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";

/**
 * A fresh temporary directory, removed when the current test finishes. (An
 * afterEach registered inside a test ran after the next test, if any: the
 * last test's directories stayed, and a day of runs filled the disk.)
 */
export async function useTempDir(prefix = "kad-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
