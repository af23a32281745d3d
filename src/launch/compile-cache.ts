/**
 * A kad process is short, and compiling the CLI bundle (about 1 MB of
 * JavaScript) was a large part of a small transfer: each process parsed it
 * and compiled every function it ran, afresh. As Node 22's
 * module.enableCompileCache does (Node 20 has no such thing), the launcher
 * runs the bundle from a V8 code cache instead:
 *
 * - one cache per command (send, receive, serve, doctor), since each runs
 *   other functions; --help and --version compile as before;
 * - named after the Node version and a hash of the bundle, so another build
 *   or another Node never meets it (V8 itself only checks the length);
 * - written when a run of that command succeeded and found none, or found
 *   one V8 refused; never half-written (a temporary name, then a rename);
 * - kept in a directory only this user can write to, since a cache is code
 *   that runs as this user: a directory others can write to is not used.
 *
 * KAD_COMPILE_CACHE=DIR puts the caches elsewhere, KAD_COMPILE_CACHE=0 turns
 * them off; the default is $XDG_CACHE_HOME/kad or ~/.cache/kad.
 */
import { createHash } from "node:crypto";
import {
  accessSync,
  constants as fsConstants,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { constants, Script } from "node:vm";

/** The commands whose runs are cached. */
const CACHED_COMMANDS: readonly string[] = ["send", "receive", "serve", "doctor"];
const HELP_FLAGS = ["-h", "--help", "-V", "--version"];

/**
 * The command these arguments run, if its runs are cached. Asking a
 * command for help is not a run of it: a cache made then would hold only
 * the help's functions, and V8 would accept it from then on.
 */
export function cachedCommand(args: readonly string[]): string | undefined {
  const [command] = args;
  if (command === undefined || !CACHED_COMMANDS.includes(command)) return undefined;
  return args.some((arg) => HELP_FLAGS.includes(arg)) ? undefined : command;
}

const CACHE_SUFFIX = ".v8cache";

/** Where the caches live; undefined: turned off, or no home to keep them in. */
export function cacheDirectory(env: NodeJS.ProcessEnv, home: string): string | undefined {
  const chosen = env.KAD_COMPILE_CACHE;
  if (chosen === "0" || chosen === "off") return undefined;
  if (chosen) return chosen;
  const base = env.XDG_CACHE_HOME || (home ? join(home, ".cache") : "");
  return base ? join(base, "kad") : undefined;
}

/** The cache of `command` for this bundle on this Node. */
export function cacheFileName(command: string, bundle: Buffer, runtime: string): string {
  const digest = createHash("sha256").update(bundle).digest("hex").slice(0, 16);
  return `${command}-${runtime}-${digest}${CACHE_SUFFIX}`;
}

/** A directory that is ours and that no one else can write to. */
export function isPrivateDirectory(dir: string): boolean {
  try {
    const stats = statSync(dir);
    const ours = process.getuid === undefined || stats.uid === process.getuid();
    return stats.isDirectory() && ours && (stats.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function readCache(file: string): Buffer | undefined {
  if (!isPrivateDirectory(dirname(file))) return undefined;
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * The directory and its parent (~/.cache), each 0700 when made here. Not
 * mkdir's recursive mode: on a path that cannot hold a directory (under
 * /proc) Node's spins forever on ENOENT.
 */
function makeDirectory(dir: string): void {
  for (const path of [dirname(dir), dir]) {
    try {
      mkdirSync(path, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

/**
 * Writes the cache `makeData` returns under a temporary name, then renames
 * it, and drops this command's older ones. The data is made only once the
 * directory is known to be usable: a home that cannot take a cache costs
 * each run nothing.
 */
export function writeCache(file: string, makeData: () => Buffer): void {
  const dir = dirname(file);
  try {
    makeDirectory(dir);
    if (!isPrivateDirectory(dir)) return;
    accessSync(dir, fsConstants.W_OK);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, makeData(), { mode: 0o600 });
    renameSync(temporary, file);
    const command = basename(file).split("-")[0];
    for (const name of readdirSync(dir)) {
      if (name.startsWith(`${command}-`) && name !== basename(file)) unlinkSync(join(dir, name));
    }
  } catch {
    // A cache only saves time: a full disk or a read-only home costs nothing else.
  }
}

/**
 * Runs the CommonJS bundle at `bundlePath` as Node's require would, compiled
 * from `cacheFile` when that holds a cache V8 accepts; without one, a cache
 * is written there once the process exits with code 0.
 */
export function runBundle(bundlePath: string, bundle: Buffer, cacheFile: string | undefined): void {
  const cached = cacheFile === undefined ? undefined : readCache(cacheFile);
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${bundle.toString()}\n})`,
    {
      filename: bundlePath,
      ...(cached ? { cachedData: cached } : {}),
      importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    },
  );
  if (cacheFile !== undefined && (!cached || script.cachedDataRejected)) {
    // Made at exit, so it holds every function this run compiled, not only the top level.
    process.once("exit", (code) => {
      if (code === 0) writeCache(cacheFile, () => script.createCachedData());
    });
  }
  const module = { exports: {} };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper(module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath));
}
