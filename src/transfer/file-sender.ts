/**
 * Sends one file (or stdin) on the sender's own `share` channel: metadata, then
 * chunks with backpressure, then, to a kad receiver, the SHA-256 and a wait
 * for its acknowledgement. To an original browser it sends only what the
 * original did and takes the browser closing the channel as completion.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import {
  encodeShareMessage,
  type FileMetadata,
  KAD_SHARE_VERSION,
  UNKNOWN_SIZE,
} from "../protocol/share-messages.js";
import { KadError } from "../util/errors.js";
import { CHUNK_BYTES, type RtcChannel } from "../webrtc/channel.js";
import type { BackChannel } from "./back-channel.js";
import type { SendSource } from "./sources.js";

/** Bytes a kad sender may be ahead of what the receiver has written to disk. */
export const RECEIVE_WINDOW_BYTES = 16 * 1024 * 1024;
/** How long an original browser receiver may take to close after the last byte. */
export const CLOSE_PATIENCE_MS = 60_000;

export interface SentFile {
  bytes: number;
  sha256: string;
  /** True when a kad receiver confirmed size and SHA-256. */
  confirmed: boolean;
  /** True when the file grew while it was sent: only the size read at the start went. */
  grew?: boolean;
}

export interface SendFileOptions {
  source: SendSource;
  channel: RtcChannel;
  back: BackChannel;
  /** Open stdin, or any readable of bytes, for a stdin source. */
  stdin: AsyncIterable<Uint8Array>;
  onProgress(bytes: number): void;
}

function metadataFor(source: SendSource, kad: boolean): FileMetadata {
  const size = source.kind === "file" ? source.size : UNKNOWN_SIZE;
  const metadata: FileMetadata = { name: source.name, size, type: source.type };
  if (!kad) return metadata;
  const stream = source.kind === "stdin" ? { stream: true } : {};
  return { ...metadata, kad: { v: KAD_SHARE_VERSION, path: source.relativePath, ...stream } };
}

async function* chunksOf(options: SendFileOptions, chunkBytes: number): AsyncGenerator<Uint8Array> {
  const { source } = options;
  if (source.kind === "file" && source.size === 0) return;
  const input =
    source.kind === "file"
      ? createReadStream(source.absolutePath, { highWaterMark: chunkBytes, end: source.size - 1 })
      : options.stdin;
  for await (const block of input) {
    const bytes = block as Uint8Array;
    for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
      yield bytes.subarray(offset, offset + chunkBytes);
    }
  }
}

export async function sendFile(options: SendFileOptions): Promise<SentFile> {
  try {
    return await streamFile(options);
  } catch (error) {
    throw await options.back.reasonFor(error);
  }
}

async function streamFile(options: SendFileOptions): Promise<SentFile> {
  const { source, channel, back } = options;
  const kad = back.isKad;
  if (source.kind === "stdin" && !kad) {
    throw new KadError("PROTOCOL", "the receiver cannot take a stream of unknown size", {
      hint: "Receive with kad, or send a file instead of stdin.",
    });
  }
  channel.sendText(encodeShareMessage(metadataFor(source, kad)));
  const hash = createHash("sha256");
  const chunkBytes = Math.min(CHUNK_BYTES, channel.maxMessageSize || CHUNK_BYTES);
  let bytes = 0;
  for await (const chunk of chunksOf(options, chunkBytes)) {
    if (kad) await back.waitForWritten(bytes + chunk.length - RECEIVE_WINDOW_BYTES);
    hash.update(chunk);
    await channel.sendBinary(chunk);
    bytes += chunk.length;
    options.onProgress(bytes);
  }
  if (source.kind === "file" && bytes !== source.size) {
    throw new KadError("UNREADABLE", `${source.relativePath} shrank while it was being sent`, {
      hint: "Send it again once nothing is writing to it.",
    });
  }
  const grew = source.kind === "file" && (await sizeNow(source.absolutePath)) > source.size;
  const sha256 = hash.digest("hex");
  if (!kad) {
    await awaitBrowserClose(channel);
    return { bytes, sha256, confirmed: false, grew };
  }
  channel.sendText(encodeShareMessage({ kad: "eof", bytes, sha256 }));
  const ack = await back.waitForAck();
  if (ack.bytes !== bytes || ack.sha256 !== sha256) {
    throw new KadError("INTEGRITY", `the receiver got different bytes for ${source.relativePath}`, {
      hint: "Send it again.",
    });
  }
  return { bytes, sha256, confirmed: true, grew };
}

async function sizeNow(path: string): Promise<number> {
  return stat(path).then(
    (info) => info.size,
    () => 0,
  );
}

/** An original receiver closes the channel once it holds `size` bytes. */
async function awaitBrowserClose(channel: RtcChannel): Promise<void> {
  await channel.drain();
  if (!(await channel.closedWithin(CLOSE_PATIENCE_MS))) {
    throw new KadError("TIMEOUT", "the receiver did not confirm the end of the file", {
      hint: "Check on the other side whether the file arrived; send it again if not.",
    });
  }
}
