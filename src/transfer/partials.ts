/**
 * Partial files kept for resuming. Each resumable file being received has a
 * small sidecar at the top of the output directory,
 * `.kad-<random>.resume.json`, that says which file its `.part` (beside the
 * target) is: the relative path, the size, and the sender's identity of the
 * content. An interrupted transfer leaves both behind; the next `kad receive`
 * into the same directory offers them to the sender, and cleans up:
 *
 * - a sidecar whose `.part` is gone is removed;
 * - a partial untouched for STALE_PARTIAL_MS (7 days) is removed with its sidecar;
 * - a partial of the same path started afresh, or completed, is removed.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat, truncate, unlink, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import * as z from "zod/mini";
import {
  MAX_FILE_ID_LENGTH,
  MAX_RELATIVE_PATH_LENGTH,
  MAX_RESUME_OFFERS,
  type ResumeOffer,
} from "../protocol/share-messages.js";

export const STALE_PARTIAL_MS = 7 * 24 * 60 * 60 * 1000;
const SIDECAR = /^\.kad-[0-9a-f]{12}\.resume\.json$/;
const MAX_SIDECAR_BYTES = 8 * 1024;

const sidecarSchema = z.object({
  v: z.literal(1),
  path: z.string().check(z.minLength(1), z.maxLength(MAX_RELATIVE_PATH_LENGTH)),
  size: z.int().check(z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER)),
  id: z.string().check(z.minLength(1), z.maxLength(MAX_FILE_ID_LENGTH)),
  /** The `.part`, relative to the output directory. */
  part: z.string().check(z.minLength(1), z.maxLength(MAX_RELATIVE_PATH_LENGTH + 64)),
});
type Sidecar = z.infer<typeof sidecarSchema>;

export interface PartialEntry {
  sidecarPath: string;
  partPath: string;
  path: string;
  size: number;
  id: string;
  /** Bytes the partial holds. */
  bytes: number;
  modifiedMs: number;
}

export class PartialStore {
  private constructor(
    readonly outputDir: string,
    private readonly entries: PartialEntry[],
  ) {}

  /** Reads the sidecars of `outputDir`, removing stale and orphaned ones. */
  static async open(outputDir: string, now = Date.now()): Promise<PartialStore> {
    const root = resolve(outputDir);
    const names = await readdir(root).catch(() => [] as string[]);
    const entries: PartialEntry[] = [];
    for (const name of names.filter((n) => SIDECAR.test(n))) {
      const entry = await readEntry(root, name);
      if (entry && now - entry.modifiedMs < STALE_PARTIAL_MS) entries.push(entry);
      else await removeEntryFiles(join(root, name), entry?.partPath);
    }
    entries.sort((a, b) => b.modifiedMs - a.modifiedMs);
    return new PartialStore(root, entries);
  }

  /** What the hello offers: the most recent partials. */
  offers(): ResumeOffer[] {
    return this.entries
      .filter((entry) => entry.bytes > 0)
      .slice(0, MAX_RESUME_OFFERS)
      .map(({ path, size, id, bytes }) => ({ path, size, id, bytes }));
  }

  find(path: string, size: number, id: string): PartialEntry | undefined {
    return this.entries.find((e) => e.path === path && e.size === size && e.id === id);
  }

  /** Removes every partial of `path`: it is being received afresh. */
  async forgetPath(path: string): Promise<void> {
    for (const entry of this.entries.filter((e) => e.path === path)) await this.forget(entry);
  }

  async forget(entry: PartialEntry): Promise<void> {
    this.claim(entry);
    await removeEntryFiles(entry.sidecarPath, entry.partPath);
  }

  /** Takes a partial out of the offers: it is being continued. */
  claim(entry: PartialEntry): void {
    const index = this.entries.indexOf(entry);
    if (index >= 0) this.entries.splice(index, 1);
  }

  /** Writes the sidecar that makes `partPath` resumable; returns its path. */
  async record(
    file: { path: string; size: number; id: string },
    partPath: string,
  ): Promise<string> {
    const sidecarPath = join(this.outputDir, sidecarNameFor(partPath));
    const sidecar: Sidecar = { v: 1, ...file, part: relative(this.outputDir, partPath) };
    await writeFile(sidecarPath, JSON.stringify(sidecar), { flag: "wx" });
    return sidecarPath;
  }
}

/** `.kad-<hex>.part` -> `.kad-<hex>.resume.json`: one random name ties the two. */
export function sidecarNameFor(partPath: string): string {
  const base = partPath.slice(partPath.lastIndexOf("/") + 1);
  return base.replace(/\.part$/, ".resume.json");
}

async function readEntry(root: string, name: string): Promise<PartialEntry | undefined> {
  const sidecarPath = join(root, name);
  try {
    const text = await readFile(sidecarPath, "utf8");
    if (text.length > MAX_SIDECAR_BYTES) return undefined;
    const sidecar = sidecarSchema.parse(JSON.parse(text));
    const partPath = resolve(root, sidecar.part);
    // Only partials inside the output directory, named after their sidecar.
    const inside = relative(root, partPath);
    if (isAbsolute(inside) || inside.startsWith("..")) return undefined;
    if (sidecarNameFor(partPath) !== name) return undefined;
    const info = await stat(partPath);
    if (!info.isFile() || info.size > sidecar.size) return undefined;
    const { path, size, id } = sidecar;
    return { sidecarPath, partPath, path, size, id, bytes: info.size, modifiedMs: info.mtimeMs };
  } catch {
    return undefined;
  }
}

async function removeEntryFiles(sidecarPath: string, partPath: string | undefined) {
  if (partPath) await unlink(partPath).catch(() => {});
  await unlink(sidecarPath).catch(() => {});
}

/**
 * Hashes the first `bytes` of a partial and cuts it there. Returns the hash
 * (to be continued with the rest) when its digest is `sha256`, else undefined.
 */
export async function checkPrefix(
  entry: PartialEntry,
  bytes: number,
  sha256: string,
): Promise<Hash | undefined> {
  if (bytes > entry.bytes) return undefined;
  const hash = createHash("sha256");
  if (bytes > 0) {
    for await (const block of createReadStream(entry.partPath, { end: bytes - 1 })) {
      hash.update(block as Uint8Array);
    }
  }
  if (hash.copy().digest("hex") !== sha256) return undefined;
  await truncate(entry.partPath, bytes);
  return hash;
}
