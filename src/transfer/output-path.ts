/**
 * Creates the directories for a received file under the output directory and
 * returns its final path, refusing to follow a symbolic link on the way, and
 * prepares the output directory itself.
 */
import { randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import { lstat, mkdir, open, realpath, stat, unlink } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { KadError } from "../util/errors.js";

/**
 * The output directory of one receive. Directories it created or checked are
 * remembered, so a tree of many files costs one check per directory, not one
 * per file; the final check before each rename is never skipped.
 */
export class OutputTree {
  readonly root: string;
  private realRoot: Promise<string> | undefined;
  private realRootSync: string | undefined;
  private readonly checked = new Map<string, Promise<void>>();

  constructor(outputDir: string) {
    this.root = resolve(outputDir);
  }

  /** Creates the directories of a received file and returns its final path. */
  async prepareTarget(segments: string[]): Promise<string> {
    let directory = this.root;
    for (const segment of segments.slice(0, -1)) {
      directory = join(directory, segment);
      await this.checkedDirectory(directory);
    }
    const target = join(directory, segments.at(-1) ?? "file");
    if (!target.startsWith(this.root + sep)) {
      throw new KadError("PROTOCOL", "refusing a path outside the output directory");
    }
    return target;
  }

  /**
   * Refuses a target whose directory, links resolved, is not the output
   * directory or below it: checked right before the rename, since a directory
   * checked on the way in can be swapped for a link meanwhile.
   */
  async assertInside(target: string): Promise<void> {
    const parent = dirname(resolve(target));
    const [realRoot, realParent] = await Promise.all([this.resolvedRoot(), realpath(parent)]).catch(
      (error: NodeJS.ErrnoException) => {
        throw diskError(error, parent);
      },
    );
    this.refuseOutside(parent, realRoot, realParent);
  }

  /** assertInside with blocking calls, for SmallFileSink's blocking commit. */
  assertInsideSync(target: string): void {
    const parent = dirname(resolve(target));
    let realParent: string;
    try {
      this.realRootSync ??= realpathSync.native(this.root);
      realParent = realpathSync.native(parent);
    } catch (error) {
      throw diskError(error as NodeJS.ErrnoException, parent);
    }
    this.refuseOutside(parent, this.realRootSync, realParent);
  }

  private refuseOutside(parent: string, realRoot: string, realParent: string): void {
    if (realParent === realRoot || realParent.startsWith(realRoot + sep)) return;
    throw new KadError("DISK", `${parent} leads outside the output directory ${this.root}`, {
      hint: "Nothing was saved there; a symbolic link inside the output directory points elsewhere.",
    });
  }

  private resolvedRoot(): Promise<string> {
    this.realRoot ??= realpath(this.root);
    return this.realRoot;
  }

  private checkedDirectory(directory: string): Promise<void> {
    let check = this.checked.get(directory);
    if (!check) {
      check = makeDirectory(directory).then(() => this.assertInside(join(directory, "x")));
      this.checked.set(directory, check);
      check.catch(() => this.checked.delete(directory));
    }
    return check;
  }
}

/** mkdir that accepts an existing directory and refuses anything else, links included. */
async function makeDirectory(directory: string): Promise<void> {
  await mkdir(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw diskError(error, directory);
  });
  const info = await lstat(directory);
  if (!info.isDirectory()) {
    throw new KadError("EXISTS", `${directory} exists and is not a directory`, {
      hint: "Move it away, or receive into another directory with --output.",
    });
  }
}

export function diskError(error: NodeJS.ErrnoException, path: string): KadError {
  if (error.code === "ENOSPC" || error.code === "EDQUOT") {
    return new KadError("DISK", `the disk is full while writing ${path}`, {
      hint: "Free some space, or receive into another directory with --output.",
      cause: error,
    });
  }
  if (error.code === "EACCES" || error.code === "EPERM" || error.code === "EROFS") {
    return new KadError("DISK", `no permission to write ${path}`, {
      hint: "Receive into a directory you can write to (--output DIR).",
      cause: error,
    });
  }
  return new KadError("DISK", `cannot write ${path}: ${error.code ?? error.message}`, {
    cause: error,
  });
}

/**
 * Checks up front, before joining any room, that the output directory exists
 * (creating it when its parent does, as `mkdir` would), is a directory and
 * takes new files: each failure is a usage error (exit 2).
 */
export async function prepareOutputDirectory(outputDir: string): Promise<void> {
  const info = await stat(outputDir).catch(() => undefined);
  if (!info) {
    await createOutputDirectory(outputDir);
  } else if (!info.isDirectory()) {
    throw new KadError("USAGE", `the output ${outputDir} is not a directory`, {
      hint: "Pick a directory with --output.",
    });
  }
  // A real file, not access(): it also catches read-only mounts and ACLs.
  const probe = join(outputDir, `.kad-${randomBytes(6).toString("hex")}.probe`);
  const handle = await open(probe, "wx").catch((error: NodeJS.ErrnoException) => {
    throw new KadError("USAGE", `cannot write into the output directory ${outputDir}`, {
      hint: `${error.code ?? error.message}; receive into a directory you can write to (--output DIR).`,
    });
  });
  await handle.close();
  await unlink(probe).catch(() => {});
}

/** One level only: a mistyped parent stays an error instead of a surprise tree. */
async function createOutputDirectory(outputDir: string): Promise<void> {
  const parent = dirname(outputDir);
  const parentInfo = await stat(parent).catch(() => undefined);
  if (!parentInfo?.isDirectory()) {
    const why = parentInfo ? `and ${parent} is not a directory` : `nor does ${parent}`;
    throw new KadError("USAGE", `the output directory ${outputDir} does not exist, ${why}`, {
      hint: "Create the parent first, or pick another directory with --output.",
    });
  }
  await mkdir(outputDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "EEXIST") return;
    throw new KadError("USAGE", `cannot create the output directory ${outputDir}`, {
      hint: `${error.code ?? error.message}; receive into a directory you can write to (--output DIR).`,
    });
  });
}
