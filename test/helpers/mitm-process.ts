/**
 * Starts mitm-main.ts inside a browser test's network namespace: bundled
 * with esbuild next to node_modules (so its packages resolve), run with node.
 */
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import type { BrowserEnv } from "./browser-env.js";
import { watchKad } from "./kad-process.js";

const ROOT = resolve(import.meta.dirname, "../..");

export interface MitmProcess {
  url: string;
  /** Stops it and returns every byte it piped between the two sides. */
  stop(): Promise<Buffer>;
}

export async function startMitmInside(env: BrowserEnv, dir: string): Promise<MitmProcess> {
  const script = join(ROOT, "node_modules/.cache/kad-test", `mitm-${process.pid}.mjs`);
  await build({
    entryPoints: [join(ROOT, "test/helpers/mitm-main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outfile: script,
    logLevel: "error",
  });
  const pipedPath = join(dir, "mitm-piped.bin");
  const child = env.node(script, [env.secureOrigin, env.namespace.address, pipedPath]);
  const watched = watchKad(child);
  const ready = await watched.waitForEvent((event) => event.event === "ready");
  return {
    url: String(ready.url),
    stop: async () => {
      child.kill("SIGTERM");
      if (child.exitCode === null) await once(child, "exit");
      return readFile(pipedPath);
    },
  };
}
