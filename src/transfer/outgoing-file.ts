/**
 * A `kad send` source as the engine's OutgoingFile: a file read from disk
 * (only the size it had when the send began) or stdin of unknown size.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { OutgoingFile } from "../engine/file-sender.js";
import type { StreamingHash } from "../engine/ports.js";
import { UNKNOWN_SIZE } from "../protocol/share-messages.js";
import type { SendSource } from "./sources.js";

export function outgoingFile(source: SendSource, stdin: AsyncIterable<Uint8Array>): OutgoingFile {
  const size = source.kind === "file" ? source.size : UNKNOWN_SIZE;
  return {
    name: source.name,
    relativePath: source.relativePath,
    size,
    type: source.type,
    chunks: (chunkBytes) => chunksOf(source, stdin, chunkBytes),
  };
}

async function* chunksOf(
  source: SendSource,
  stdin: AsyncIterable<Uint8Array>,
  chunkBytes: number,
): AsyncGenerator<Uint8Array> {
  if (source.kind === "file" && source.size === 0) return;
  const input =
    source.kind === "file"
      ? createReadStream(source.absolutePath, { highWaterMark: chunkBytes, end: source.size - 1 })
      : stdin;
  for await (const block of input) {
    const bytes = block as Uint8Array;
    for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
      yield bytes.subarray(offset, offset + chunkBytes);
    }
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

export function nodeSha256(): StreamingHash {
  const hash = createHash("sha256");
  return {
    update: (chunk) => {
      hash.update(chunk);
    },
    hex: () => hash.digest("hex"),
  };
}
