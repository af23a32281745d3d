/**
 * Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core, run
 * inside a network namespace. Playwright talks to it over a pipe, which
 * `ip netns exec` passes through, so the browser's WebRTC sees only the
 * namespace's network while the test process stays outside.
 */
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { reportPagesOnFailure } from "./browser-artifacts.js";
import type { NetNamespace } from "./netns.js";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * The flags the brief prescribes. WebRTC needs nothing more: Chromium hides
 * host addresses behind mDNS names, and both Chromium and kad still connect
 * (see README, "The web page").
 */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];

export interface LaunchedChromium {
  context: BrowserContext;
  /** Where this browser's downloads and profile live; removed on close. */
  directory: string;
  close(): Promise<void>;
}

/** A fresh persistent profile (so the origin-private file system is on disk, as for a user). */
export async function launchChromium(
  namespace: NetNamespace,
  extraFlags: string[] = [],
): Promise<LaunchedChromium> {
  const directory = await mkdtemp(join(tmpdir(), "kad-chromium-"));
  const wrapper = join(directory, "chromium-in-namespace.sh");
  const [command, args] = namespace.wrap(CHROMIUM_PATH, []);
  await writeFile(wrapper, `#!/bin/sh\nexec ${command} ${args.join(" ")} "$@"\n`);
  await chmod(wrapper, 0o755);
  const context = await chromium
    .launchPersistentContext(join(directory, "profile"), {
      executablePath: wrapper,
      args: [...CHROMIUM_FLAGS, ...extraFlags],
      headless: true,
      acceptDownloads: true,
      downloadsPath: join(directory, "downloads"),
      viewport: { width: 900, height: 900 },
    })
    .catch(async (error: unknown) => {
      // A browser that does not start (not installed, say) leaves no directory behind.
      await rm(directory, { recursive: true, force: true });
      throw error;
    });
  reportPagesOnFailure(context);
  return {
    context,
    directory,
    close: async () => {
      await context.close().catch(() => undefined);
      await rm(directory, { recursive: true, force: true });
    },
  };
}
