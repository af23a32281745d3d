/**
 * A `kad send` source as the engine's OutgoingFile: a file read from disk
 * (only the size it had when the send began) or stdin of unknown size.
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, createReadStream, fstatSync, openSync, readSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import type { OutgoingFile } from "../engine/file-sender.js";
import type { StreamingHash } from "../engine/ports.js";
import { UNKNOWN_SIZE } from "../protocol/share-messages.js";
import type { SendSource } from "./sources.js";

/** Files this large get an identity, so an interrupted transfer of them can be resumed. */
export const RESUMABLE_MIN_BYTES = 1024 * 1024;
/** How much of a file's start its identity hashes. */
const IDENTITY_HEAD_BYTES = 64 * 1024;

/** A source to send; `grew()` tells, once it was sent, whether the file got larger meanwhile. */
export interface NodeOutgoingFile extends OutgoingFile {
  grew(): Promise<boolean>;
}

export async function outgoingFile(
  source: SendSource,
  stdin: AsyncIterable<Uint8Array>,
): Promise<NodeOutgoingFile> {
  const size = source.kind === "file" ? source.size : UNKNOWN_SIZE;
  const id = await identityOf(source);
  // A small file's size now is seen by the read itself: no stat afterwards.
  let sizeAtRead: number | undefined;
  return {
    name: source.name,
    relativePath: source.relativePath,
    size,
    type: source.type,
    ...(id ? { id } : {}),
    chunks: (chunkBytes, start) =>
      chunksOf(source, stdin, chunkBytes, start, (now) => {
        sizeAtRead = now;
      }),
    grew: async () => {
      if (source.kind !== "file") return false;
      return (sizeAtRead ?? (await sizeNow(source.absolutePath))) > source.size;
    },
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
  onSizeAtRead: (size: number) => void,
): AsyncGenerator<Uint8Array> {
  if (source.kind === "file" && source.size <= start) return;
  if (source.kind === "file" && source.size - start <= SMALL_FILE_BYTES) {
    const read = readSmall(source.absolutePath, start, source.size - start);
    onSizeAtRead(read.sizeNow);
    yield* sliced(read.bytes, chunkBytes);
    return;
  }
  const input =
    source.kind === "file" ? fileBlocks(source.absolutePath, start, source.size - 1) : stdin;
  for await (const block of input) yield* sliced(block as Uint8Array, chunkBytes);
}

/**
 * Bytes `start` to `end` of a file in blocks, read into two buffers in turn:
 * the next block is read while the caller sends this one. A fresh 1 MiB
 * buffer per block costs a mmap, its page faults and a munmap, and the
 * churn of external memory drove V8 into a full collection every ~180 ms of
 * a transfer. So a block is good only until the one after it is asked for.
 */
async function* fileBlocks(path: string, start: number, end: number): AsyncGenerator<Uint8Array> {
  const handle = await open(path, "r");
  const buffers = [
    Buffer.allocUnsafeSlow(READ_BLOCK_BYTES),
    Buffer.allocUnsafeSlow(READ_BLOCK_BYTES),
  ];
  const readInto = async (buffer: Buffer, position: number): Promise<number> => {
    if (position > end) return 0;
    const length = Math.min(buffer.length, end - position + 1);
    return (await handle.read(buffer, 0, length, position)).bytesRead;
  };
  let position = start;
  let turn = 0;
  let next = readInto(buffers[turn] as Buffer, position);
  try {
    for (;;) {
      const bytes = await next;
      if (bytes === 0) return;
      const block = (buffers[turn] as Buffer).subarray(0, bytes);
      position += bytes;
      turn = 1 - turn;
      next = readInto(buffers[turn] as Buffer, position);
      yield block;
    }
  } finally {
    await next.catch(() => 0);
    await handle.close();
  }
}

/**
 * A small file read with one blocking call: a few microseconds from the page
 * cache, where each asynchronous step costs a thread-pool round trip, and a
 * tree of thousands of small files is dominated by those.
 */
function readSmall(
  path: string,
  start: number,
  length: number,
): { bytes: Uint8Array; sizeNow: number } {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const read = readSync(fd, buffer, filled, length - filled, start + filled);
      if (read === 0) break;
      filled += read;
    }
    return { bytes: buffer.subarray(0, filled), sizeNow: fstatSync(fd).size };
  } finally {
    closeSync(fd);
  }
}

function* sliced(bytes: Uint8Array, chunkBytes: number): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
    yield bytes.subarray(offset, offset + chunkBytes);
  }
}

async function sizeNow(path: string): Promise<number> {
  return stat(path).then(
    (info) => info.size,
    () => 0,
  );
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
