/**
 * What bin/kad runs: the CLI bundle (dist/cli.cjs, next to this file once
 * built) from a code cache for its command (compile-cache.ts).
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { cacheDirectory, cachedCommand, cacheFileName, runBundle } from "./compile-cache.js";
import { sweepArrayBuffersAtOnce } from "./v8-flags.js";

function home(): string {
  try {
    return homedir();
  } catch {
    return "";
  }
}

function cacheFileFor(args: string[], bundle: Buffer): string | undefined {
  const command = cachedCommand(args);
  const dir = command === undefined ? undefined : cacheDirectory(process.env, home());
  if (command === undefined || dir === undefined) return undefined;
  return join(dir, cacheFileName(command, bundle, `${process.version}-${process.arch}`));
}

// Set here, once, before anything is compiled: V8 refuses a cache made under other flags.
sweepArrayBuffersAtOnce();
const bundlePath = join(__dirname, "cli.cjs");
const bundle = readFileSync(bundlePath);
runBundle(bundlePath, bundle, cacheFileFor(process.argv.slice(2), bundle));
