/** A `File` the person picked, as the engine's OutgoingFile: read in large blocks, cut into chunks. */
import type { OutgoingFile } from "../engine/file-sender.js";
import { KadError } from "../util/errors.js";

/** One `slice().arrayBuffer()` per block: fewer, larger reads than one per chunk. */
const READ_BLOCK_BYTES = 1024 * 1024;

export function outgoingBrowserFile(file: File): OutgoingFile {
  return {
    name: file.name,
    size: file.size,
    type: file.type,
    chunks: (chunkBytes, start) => chunksOf(file, chunkBytes, start),
  };
}

async function* chunksOf(file: File, chunkBytes: number, start: number) {
  let offset = start;
  let next = offset < file.size ? readBlock(file, offset) : undefined;
  while (next) {
    const block = await next;
    if (block.byteLength === 0) return;
    offset += block.byteLength;
    // The next read runs while this block is sent.
    next = offset < file.size ? readBlock(file, offset) : undefined;
    for (let at = 0; at < block.byteLength; at += chunkBytes) {
      yield block.subarray(at, at + chunkBytes);
    }
  }
}

function readBlock(file: File, offset: number): Promise<Uint8Array> {
  const read = readOnce(file, offset);
  // A read still running when the send stops must not become an unhandled rejection.
  read.catch(() => undefined);
  return read;
}

async function readOnce(file: File, offset: number): Promise<Uint8Array> {
  try {
    return new Uint8Array(await file.slice(offset, offset + READ_BLOCK_BYTES).arrayBuffer());
  } catch (error) {
    throw new KadError(
      "UNREADABLE",
      `cannot read ${file.name} any more; was it moved or changed?`,
      {
        cause: error,
      },
    );
  }
}
