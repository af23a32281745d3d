/**
 * What `kad send` was asked to send: files, directories (walked recursively,
 * relative paths kept) or `-` for stdin, checked up front so a typo fails
 * before anyone waits for a peer.
 */
import { constants, type Stats } from "node:fs";
import { access, lstat, readdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { MAX_PATH_DEPTH } from "../engine/safe-path.js";
import { KadError } from "../util/errors.js";
import { mimeTypeOf } from "./mime.js";

export const MAX_FILES = 100_000;
export const STDIN_NAME = "stdin";

export interface FileSource {
  kind: "file";
  absolutePath: string;
  /** Path the receiver recreates, `/`-separated, e.g. `photos/2024/a.jpg`. */
  relativePath: string;
  name: string;
  size: number;
  type: string;
}

export interface StdinSource {
  kind: "stdin";
  relativePath: string;
  name: string;
  type: string;
}

export type SendSource = FileSource | StdinSource;

/** Told about each thing inside a directory that is not sent, and why. */
export type OnSkipped = (path: string, reason: string) => void;

export async function collectSources(
  paths: string[],
  onSkipped: OnSkipped = () => {},
): Promise<SendSource[]> {
  if (paths.length === 0)
    throw new KadError("USAGE", "nothing to send", {
      hint: "Name a file, a directory or - for stdin.",
    });
  if (paths.includes("-")) {
    if (paths.length > 1)
      throw new KadError("USAGE", "- (stdin) cannot be combined with other paths", {
        hint: "Send stdin on its own (... | kad send -), or name only files and directories.",
      });
    return [{ kind: "stdin", relativePath: STDIN_NAME, name: STDIN_NAME, type: "" }];
  }
  const sources: SendSource[] = [];
  for (const path of paths) {
    await addPath(resolve(path), basename(resolve(path)), sources, path, onSkipped);
  }
  if (sources.length === 0)
    throw new KadError("USAGE", "the directories given contain no files", {
      hint: "Only regular files are sent; name a file, or a directory that holds some.",
    });
  refuseDuplicates(sources);
  refuseTooDeep(sources);
  return sources;
}

async function addPath(
  absolutePath: string,
  relativePath: string,
  into: SendSource[],
  shown: string,
  onSkipped: OnSkipped,
) {
  const info = await stat(absolutePath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") {
      throw new KadError("NOT_FOUND", `no such file or directory: ${shown}`);
    }
    throw new KadError("UNREADABLE", `cannot read ${shown}: ${error.code ?? error.message}`);
  });
  if (info.isDirectory()) {
    await addDirectory(absolutePath, relativePath, into, onSkipped);
    return;
  }
  if (!info.isFile()) throw new KadError("UNREADABLE", `not a regular file: ${shown}`);
  await access(absolutePath, constants.R_OK).catch(() => {
    throw new KadError("UNREADABLE", `permission denied: ${shown}`);
  });
  addFile(absolutePath, relativePath, info.size, into);
}

async function addDirectory(
  directory: string,
  relativePath: string,
  into: SendSource[],
  onSkipped: OnSkipped,
) {
  const entries = await readdir(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "EACCES" || error.code === "EPERM") {
      throw new KadError("UNREADABLE", `permission denied: cannot list ${directory}`);
    }
    throw new KadError("UNREADABLE", `cannot list ${directory}: ${error.code ?? error.message}`);
  });
  // The receiver creates directories only for the files in them.
  if (entries.length === 0) onSkipped(relativePath, "empty directory");
  const names = entries.sort();
  // A batch of entries is looked at together: one thread-pool round trip after
  // another per file made a tree of thousands of files wait before its code.
  for (let start = 0; start < names.length; start += INSPECT_BATCH) {
    const batch = names.slice(start, start + INSPECT_BATCH);
    const looks = await Promise.all(batch.map((entry) => inspect(join(directory, entry))));
    for (const [index, look] of looks.entries()) {
      const entryPath = `${relativePath}/${batch[index]}`;
      // Symbolic links inside a tree are skipped: they could loop or leave the tree.
      if (look.info.isSymbolicLink()) onSkipped(entryPath, "symbolic link");
      else if (look.info.isDirectory()) {
        await addDirectory(look.path, entryPath, into, onSkipped);
      } else if (!look.info.isFile()) onSkipped(entryPath, "not a regular file");
      else if (!look.readable) throw new KadError("UNREADABLE", `permission denied: ${look.path}`);
      else addFile(look.path, entryPath, look.info.size, into);
    }
  }
}

const INSPECT_BATCH = 64;

async function inspect(path: string): Promise<{ path: string; info: Stats; readable: boolean }> {
  const [info, readable] = await Promise.all([
    lstat(path),
    access(path, constants.R_OK).then(
      () => true,
      () => false,
    ),
  ]);
  return { path, info, readable };
}

function addFile(absolutePath: string, relativePath: string, size: number, into: SendSource[]) {
  if (into.length >= MAX_FILES)
    throw new KadError("USAGE", `more than ${MAX_FILES} files`, {
      hint: "Send them as one stream instead: tar c DIR | kad send -",
    });
  const name = basename(absolutePath);
  into.push({ kind: "file", absolutePath, relativePath, name, size, type: mimeTypeOf(name) });
}

/** A receiver refuses paths deeper than MAX_PATH_DEPTH; better to say so before a code is made. */
function refuseTooDeep(sources: SendSource[]): void {
  const deep = sources.find((source) => source.relativePath.split("/").length > MAX_PATH_DEPTH);
  if (!deep) return;
  throw new KadError(
    "USAGE",
    `${deep.relativePath} is more than ${MAX_PATH_DEPTH} levels deep; a receiver would refuse it`,
    { hint: "Send a directory further down the tree, or archive it (tar c dir | kad send -)." },
  );
}

/** Two sources that would land on the same path would make the receiver refuse the second. */
function refuseDuplicates(sources: SendSource[]): void {
  const seen = new Set<string>();
  for (const source of sources) {
    if (seen.has(source.relativePath)) {
      throw new KadError(
        "USAGE",
        `two of the paths given would both arrive as ${source.relativePath}`,
        {
          hint: "Send them from their parent directory, or rename one.",
        },
      );
    }
    seen.add(source.relativePath);
  }
}
