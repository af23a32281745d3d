/**
 * Sends one file on the sender's own `share` channel (browser-protocol.md
 * section 4): a metadata text message, then binary chunks with backpressure.
 * To an original receiver that is all, and its closing the channel means done.
 * To a kad receiver (it said hello) the page adds the SHA-256 at the end and
 * waits for the receiver's acknowledgement; after a batch's last file it
 * says the session is over, so `kad receive` can exit.
 */
import {
  encodeShareMessage,
  type FileMetadata,
  KAD_SHARE_VERSION,
} from "../protocol/share-messages.js";
import { bufferDrained, channelClosed, connectionLost, peerLeft } from "./channel-waits.js";
import { PageError } from "./page-error.js";
import type { PeerLink } from "./peer-link.js";
import { ReceiverWatch } from "./receiver-watch.js";
import { createSha256, type StreamingHash } from "./sha256.js";

/** 64 KiB messages fit any peer's max-message-size (Chromium and libdatachannel: 256 KiB). */
export const SEND_CHUNK_BYTES = 64 * 1024;
const READ_BLOCK_BYTES = 1024 * 1024;
/** Chromium closes a channel whose send buffer passes 16 MiB; stay well under. */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;
const LOW_WATER_BYTES = 1024 * 1024;
/** A kad receiver says hello as its channel opens; an original one never does. */
const HELLO_WAIT_MS = 1_500;
/** Verifying and storing the last bytes can take a while on a slow disk. */
const ACK_PATIENCE_MS = 120_000;
/** How long an original receiver may take to close the channel after the last byte. */
const CLOSE_PATIENCE_MS = 60_000;

export type ProgressListener = (bytes: number) => void;

export interface SendOptions {
  /** Cancelling tells a kad receiver why the bytes stop. */
  signal: AbortSignal;
  onProgress: ProgressListener;
  /** Set on a batch's last file: tells a kad receiver that nothing more follows. */
  sessionEnd?: { files: number; bytes: number };
}

export interface SendOutcome {
  /** The receiver confirmed size and SHA-256 (kad only). */
  verified: boolean;
}

export async function sendFile(
  link: PeerLink,
  file: File,
  options: SendOptions,
): Promise<SendOutcome> {
  const channel = link.own;
  const watch = new ReceiverWatch(link);
  const lost = connectionLost(link);
  const closedEarly = channelClosed(channel).then(() => Promise.reject(peerLeft()));
  const kad = await watch.waitForHello(HELLO_WAIT_MS);
  options.signal.addEventListener(
    "abort",
    () => {
      if (!kad || channel.readyState !== "open") return;
      const message = "cancelled in the browser";
      channel.send(encodeShareMessage({ kad: "error", code: "INTERRUPTED", message }));
    },
    { once: true },
  );
  const metadata: FileMetadata = { name: file.name, size: file.size, type: file.type };
  channel.send(encodeShareMessage(kad ? { ...metadata, kad: { v: KAD_SHARE_VERSION } } : metadata));
  const hash = kad ? createSha256() : undefined;
  await Promise.race([streamBytes(channel, file, hash, options.onProgress), lost, closedEarly]);
  if (!hash) {
    await Promise.race([channelClosed(channel), lost, patience(CLOSE_PATIENCE_MS)]);
    options.onProgress(file.size);
    return { verified: false };
  }
  const sha256 = hash.hex();
  channel.send(encodeShareMessage({ kad: "eof", bytes: file.size, sha256 }));
  const ack = await Promise.race([watch.waitForAck(ACK_PATIENCE_MS), lost]);
  if (ack.bytes !== file.size || ack.sha256 !== sha256) {
    throw new PageError("integrity", "The receiver got different bytes; it did not keep the file.");
  }
  options.onProgress(file.size);
  if (options.sessionEnd) channel.send(encodeShareMessage({ kad: "end", ...options.sessionEnd }));
  await bufferDrained(channel);
  return { verified: true };
}

async function streamBytes(
  channel: RTCDataChannel,
  file: File,
  hash: StreamingHash | undefined,
  onProgress: ProgressListener,
): Promise<void> {
  channel.bufferedAmountLowThreshold = LOW_WATER_BYTES;
  let sent = 0;
  let nextBlock = readBlock(file, 0);
  while (sent < file.size) {
    const block = await nextBlock;
    if (block.byteLength === 0)
      throw new PageError("storage", "The file changed while it was being sent.");
    const blockEnd = sent + block.byteLength;
    nextBlock =
      blockEnd < file.size ? readBlock(file, blockEnd) : Promise.resolve(new Uint8Array(0));
    hash?.update(block);
    for (let offset = 0; offset < block.byteLength; offset += SEND_CHUNK_BYTES) {
      if (channel.bufferedAmount > HIGH_WATER_BYTES) await bufferDrained(channel);
      if (channel.readyState !== "open") throw peerLeft();
      channel.send(block.subarray(offset, offset + SEND_CHUNK_BYTES));
    }
    sent = blockEnd;
    onProgress(Math.max(0, sent - channel.bufferedAmount));
  }
}

async function readBlock(file: File, offset: number): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return new Uint8Array(await file.slice(offset, offset + READ_BLOCK_BYTES).arrayBuffer());
  } catch {
    throw new PageError("storage", `Cannot read ${file.name} any more; was it moved or changed?`);
  }
}

function patience(ms: number): Promise<never> {
  return new Promise((_, reject) => {
    setTimeout(
      () => reject(new PageError("timeout", "The receiver did not confirm the end of the file.")),
      ms,
    );
  });
}
