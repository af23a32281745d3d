/**
 * A `kad send` source as the engine's OutgoingFile: a file read from disk
 * (only the size it had when the send began) or stdin of unknown size.
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { stat } from "node:fs/promises";
import type { OutgoingFile } from "../engine/file-sender.js";
import type { StreamingHash } from "../engine/ports.js";
import { UNKNOWN_SIZE } from "../protocol/share-messages.js";
import type { SendSource } from "./sources.js";

/** Files this large get an identity, so an interrupted transfer of them can be resumed. */
export const RESUMABLE_MIN_BYTES = 1024 * 1024;
/** How much of a file's start its identity hashes. */
const IDENTITY_HEAD_BYTES = 64 * 1024;

export async function outgoingFile(
  source: SendSource,
  stdin: AsyncIterable<Uint8Array>,
): Promise<OutgoingFile> {
  const size = source.kind === "file" ? source.size : UNKNOWN_SIZE;
  const id = await identityOf(source);
  return {
    name: source.name,
    relativePath: source.relativePath,
    size,
    type: source.type,
    ...(id ? { id } : {}),
    chunks: (chunkBytes, start) => chunksOf(source, stdin, chunkBytes, start),
  };
}

/** Size, modification time and a hash of the first bytes: what a partial must match to be continued. */
async function identityOf(source: SendSource): Promise<string | undefined> {
  if (source.kind !== "file" || source.size < RESUMABLE_MIN_BYTES) return undefined;
  const info = await stat(source.absolutePath);
  const head = createHash("sha256");
  const end = Math.min(source.size, IDENTITY_HEAD_BYTES) - 1;
  for await (const block of createReadStream(source.absolutePath, { end })) head.update(block);
  return `${source.size}-${Math.floor(info.mtimeMs)}-${head.digest("hex").slice(0, 32)}`;
}

/** Larger files are read in blocks of this size and sent in chunks: fewer reads, same messages. */
const READ_BLOCK_BYTES = 1024 * 1024;
/** Files up to this size are read in one blocking call (see readSmall). */
const SMALL_FILE_BYTES = 64 * 1024;

async function* chunksOf(
  source: SendSource,
  stdin: AsyncIterable<Uint8Array>,
  chunkBytes: number,
  start: number,
): AsyncGenerator<Uint8Array> {
  if (source.kind === "file" && source.size <= start) return;
  if (source.kind === "file" && source.size - start <= SMALL_FILE_BYTES) {
    yield* sliced(readSmall(source.absolutePath, start, source.size - start), chunkBytes);
    return;
  }
  const input =
    source.kind === "file"
      ? createReadStream(source.absolutePath, {
          highWaterMark: READ_BLOCK_BYTES,
          start,
          end: source.size - 1,
        })
      : stdin;
  for await (const block of input) yield* sliced(block as Uint8Array, chunkBytes);
}

/**
 * A small file read with one blocking call: a few microseconds from the page
 * cache, where each asynchronous step costs a thread-pool round trip, and a
 * tree of thousands of small files is dominated by those.
 */
function readSmall(path: string, start: number, length: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const read = readSync(fd, buffer, filled, length - filled, start + filled);
      if (read === 0) break;
      filled += read;
    }
    return buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

function* sliced(bytes: Uint8Array, chunkBytes: number): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
    yield bytes.subarray(offset, offset + chunkBytes);
  }
}

/** True when a file is larger now than when its send began: only the first part went. */
export async function grewWhileSent(source: SendSource): Promise<boolean> {
  if (source.kind !== "file") return false;
  const sizeNow = await stat(source.absolutePath).then(
    (info) => info.size,
    () => 0,
  );
  return sizeNow > source.size;
}

/** SHA-256 by node:crypto; `hash` may already hold a prefix. */
export function nodeSha256(hash: Hash = createHash("sha256")): StreamingHash {
  return {
    update: (chunk) => {
      hash.update(chunk);
    },
    hex: () => hash.digest("hex"),
  };
}
