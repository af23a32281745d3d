/**
 * Sends one file on the sender's own `share` channel (browser-protocol.md
 * section 4): a metadata text message, then binary chunks with backpressure.
 * Done when the receiver closes the channel after taking every byte.
 */
import { bufferDrained, channelClosed, connectionLost, peerLeft } from "./channel-waits.js";
import type { PeerLink } from "./peer-link.js";

/** 64 KiB messages fit any peer's max-message-size (Chromium and libdatachannel: 256 KiB). */
export const SEND_CHUNK_BYTES = 64 * 1024;
const READ_BLOCK_BYTES = 1024 * 1024;
/** Chromium closes a channel whose send buffer passes 16 MiB; stay well under. */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;
const LOW_WATER_BYTES = 1024 * 1024;

export type ProgressListener = (bytes: number) => void;

export async function sendFile(
  link: PeerLink,
  file: File,
  onProgress: ProgressListener,
): Promise<void> {
  const channel = link.own;
  const lost = connectionLost(link);
  const closedEarly = channelClosed(channel).then(() => Promise.reject(peerLeft()));
  const metadata = { name: file.name, size: file.size, type: file.type };
  channel.send(JSON.stringify(metadata));
  await Promise.race([streamBytes(channel, file, onProgress), lost, closedEarly]);
  // The receiver closes the channel once it holds every byte.
  await Promise.race([channelClosed(channel), lost]);
  onProgress(file.size);
}

async function streamBytes(
  channel: RTCDataChannel,
  file: File,
  onProgress: ProgressListener,
): Promise<void> {
  channel.bufferedAmountLowThreshold = LOW_WATER_BYTES;
  let sent = 0;
  let nextBlock = readBlock(file, 0);
  while (sent < file.size) {
    const block = await nextBlock;
    const blockEnd = sent + block.byteLength;
    nextBlock =
      blockEnd < file.size ? readBlock(file, blockEnd) : Promise.resolve(new Uint8Array());
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
  return new Uint8Array(await file.slice(offset, offset + READ_BLOCK_BYTES).arrayBuffer());
}
