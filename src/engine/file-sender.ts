/**
 * Sends one file on this side's own `share` channel: metadata, then chunks
 * with backpressure and, to a kad receiver, within its receive window; then
 * to a kad receiver the SHA-256. To an original browser it sends only what
 * the original did and takes the browser closing the channel as completion.
 *
 * A kad receiver's acknowledgement is claimed separately (`confirmFile`), so
 * a session can send the next file while the previous one is verified.
 */
import {
  encodeShareMessage,
  type FileMetadata,
  KAD_SHARE_VERSION,
  type ResumeOffer,
  UNKNOWN_SIZE,
} from "../protocol/share-messages.js";
import { KadError } from "../util/errors.js";
import type { HashFactory, OutgoingChannel, StreamingHash } from "./ports.js";
import type { Ack, ReceiverReplies } from "./receiver-replies.js";
import {
  ACK_PATIENCE_MS,
  CHUNK_BYTES,
  CLOSE_PATIENCE_MS,
  RECEIVE_WINDOW_BYTES,
} from "./transfer-limits.js";

export interface OutgoingFile {
  name: string;
  /** The path below the sent folder, for a kad receiver. */
  relativePath?: string;
  /** UNKNOWN_SIZE for a stream (only to a kad receiver). */
  size: number;
  type: string;
  /** Identity of the content (size, mtime, first bytes) for resuming; absent: not resumable. */
  id?: string;
  /** The bytes from `start` on, in chunks of at most `chunkBytes`; each good until the next is asked for. */
  chunks(chunkBytes: number, start: number): AsyncIterable<Uint8Array>;
}

export interface SendContext {
  channel: OutgoingChannel;
  replies: ReceiverReplies;
  hash: HashFactory;
  /** Every file of the send travels on this connection (negotiated in the hello). */
  session: boolean;
  /** Continue partial files the receiver offers (off with --no-resume). */
  resume: boolean;
  /** Bytes already sent on this connection: the receiver's window counts per connection. */
  sentBefore: number;
  onProgress(bytes: number): void;
}

export interface SentFile {
  /** The whole file's size and SHA-256, including bytes the receiver already held. */
  bytes: number;
  sha256: string;
  /** Where the bytes sent on this connection started: 0, or a resumed partial's size. */
  resumedFrom: number;
}

function metadataFor(file: OutgoingFile, context: SendContext): FileMetadata {
  const metadata: FileMetadata = { name: file.name, size: file.size, type: file.type };
  if (!context.replies.isKad) return metadata;
  const kad = {
    v: KAD_SHARE_VERSION,
    ...(file.relativePath ? { path: file.relativePath } : {}),
    ...(file.size === UNKNOWN_SIZE ? { stream: true } : {}),
    ...(context.session ? { session: true, acks: true } : {}),
    ...(file.id ? { id: file.id } : {}),
  };
  return { ...metadata, kad };
}

/** Sends metadata, bytes and (to kad) the eof; does not wait for the acknowledgement. */
export async function sendFileBytes(file: OutgoingFile, context: SendContext): Promise<SentFile> {
  const { channel, replies } = context;
  try {
    if (file.size === UNKNOWN_SIZE && !replies.isKad) {
      throw new KadError("PROTOCOL", "the receiver cannot take a stream of unknown size", {
        hint: "Receive with kad, or send a file instead of stdin.",
      });
    }
    const chunkBytes = Math.min(CHUNK_BYTES, channel.maxMessageSize || CHUNK_BYTES);
    const start = await announce(file, context, chunkBytes);
    let bytes = start.from;
    for await (const chunk of file.chunks(chunkBytes, start.from)) {
      const windowEnd =
        context.sentBefore + bytes - start.from + chunk.length - RECEIVE_WINDOW_BYTES;
      if (replies.isKad && windowEnd > 0) await replies.waitForWritten(windowEnd);
      start.hash.update(chunk);
      await channel.sendBinary(chunk);
      bytes += chunk.length;
      context.onProgress(bytes);
    }
    if (file.size !== UNKNOWN_SIZE && bytes !== file.size) {
      throw new KadError("UNREADABLE", `${nameOf(file)} shrank while it was being sent`, {
        hint: "Send it again once nothing is writing to it.",
      });
    }
    const sha256 = start.hash.hex();
    if (replies.isKad) channel.sendText(encodeShareMessage({ kad: "eof", bytes, sha256 }));
    return { bytes, sha256, resumedFrom: start.from };
  } catch (error) {
    throw await replies.reasonFor(error);
  }
}

function nameOf(file: OutgoingFile): string {
  return file.relativePath ?? file.name;
}

/**
 * Sends the metadata. When the receiver offered a partial of this very file,
 * proposes to continue it (with the SHA-256 of our own first bytes) and
 * waits for its answer. Returns where the bytes start and the whole-file
 * hash, already fed with the bytes the receiver holds.
 */
async function announce(
  file: OutgoingFile,
  context: SendContext,
  chunkBytes: number,
): Promise<{ from: number; hash: StreamingHash }> {
  const metadata = metadataFor(file, context);
  const offer = matchingOffer(file, context);
  if (!offer || !metadata.kad) {
    context.channel.sendText(encodeShareMessage(metadata));
    return { from: 0, hash: context.hash() };
  }
  const whole = context.hash();
  const prefix = context.hash();
  for await (const chunk of prefixOf(file, offer.bytes, chunkBytes)) {
    whole.update(chunk);
    prefix.update(chunk);
  }
  const resume = { bytes: offer.bytes, sha256: prefix.hex() };
  context.channel.sendText(encodeShareMessage({ ...metadata, kad: { ...metadata.kad, resume } }));
  const from = await context.replies.resumeFrom(ACK_PATIENCE_MS);
  if (from === offer.bytes) return { from, hash: whole };
  if (from === 0) return { from, hash: context.hash() };
  throw new KadError("PROTOCOL", `the receiver answered a resume at ${offer.bytes} with ${from}`);
}

function matchingOffer(file: OutgoingFile, context: SendContext): ResumeOffer | undefined {
  if (!context.resume || file.id === undefined || file.size === UNKNOWN_SIZE) return undefined;
  return context.replies.resumeOffers.find(
    (offer) =>
      offer.path === nameOf(file) &&
      offer.size === file.size &&
      offer.id === file.id &&
      offer.bytes > 0 &&
      offer.bytes <= file.size,
  );
}

async function* prefixOf(file: OutgoingFile, bytes: number, chunkBytes: number) {
  let left = bytes;
  for await (const chunk of file.chunks(chunkBytes, 0)) {
    if (left <= 0) return;
    const piece = chunk.length > left ? chunk.subarray(0, left) : chunk;
    left -= piece.length;
    yield piece;
  }
  if (left > 0) throw new KadError("UNREADABLE", `${nameOf(file)} shrank while it was being read`);
}

/**
 * Waits for the receiver to confirm a sent file: a kad receiver's ack with
 * the same size and SHA-256, an original browser's close of the channel.
 */
export async function confirmFile(
  file: OutgoingFile,
  sent: SentFile,
  context: SendContext,
): Promise<void> {
  const { channel, replies } = context;
  if (!replies.isKad) {
    await channel.drain();
    if (!(await channel.closedWithin(CLOSE_PATIENCE_MS))) {
      throw new KadError("TIMEOUT", "the receiver did not confirm the end of the file", {
        hint: "Check on the other side whether the file arrived; send it again if not.",
      });
    }
    return;
  }
  let ack: Ack;
  try {
    ack = await replies.nextAck(ACK_PATIENCE_MS);
  } catch (error) {
    throw await replies.reasonFor(error);
  }
  if (ack.bytes !== sent.bytes || ack.sha256 !== sent.sha256) {
    throw new KadError(
      "INTEGRITY",
      `the receiver got different bytes for ${file.relativePath ?? file.name}`,
      {
        hint: "Send it again.",
      },
    );
  }
}

/** Sends one file and waits for its confirmation. */
export async function sendFile(file: OutgoingFile, context: SendContext): Promise<SentFile> {
  const sent = await sendFileBytes(file, context);
  await confirmFile(file, sent, context);
  return sent;
}

/** Tells a kad receiver that nothing more follows; it closes once it has read it. */
export function sendSessionEnd(channel: OutgoingChannel, files: number, bytes: number): void {
  channel.sendText(encodeShareMessage({ kad: "end", files, bytes }));
}
