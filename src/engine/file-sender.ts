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
  UNKNOWN_SIZE,
} from "../protocol/share-messages.js";
import { KadError } from "../util/errors.js";
import type { HashFactory, OutgoingChannel } from "./ports.js";
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
  /** The bytes, in chunks of at most `chunkBytes`. */
  chunks(chunkBytes: number): AsyncIterable<Uint8Array>;
}

export interface SendContext {
  channel: OutgoingChannel;
  replies: ReceiverReplies;
  hash: HashFactory;
  /** Every file of the send travels on this connection (negotiated in the hello). */
  session: boolean;
  /** Bytes already sent on this connection: the receiver's window counts per connection. */
  sentBefore: number;
  onProgress(bytes: number): void;
}

export interface SentFile {
  bytes: number;
  sha256: string;
}

function metadataFor(file: OutgoingFile, context: SendContext): FileMetadata {
  const metadata: FileMetadata = { name: file.name, size: file.size, type: file.type };
  if (!context.replies.isKad) return metadata;
  const kad = {
    v: KAD_SHARE_VERSION,
    ...(file.relativePath ? { path: file.relativePath } : {}),
    ...(file.size === UNKNOWN_SIZE ? { stream: true } : {}),
    ...(context.session ? { session: true } : {}),
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
    channel.sendText(encodeShareMessage(metadataFor(file, context)));
    const hash = context.hash();
    const chunkBytes = Math.min(CHUNK_BYTES, channel.maxMessageSize || CHUNK_BYTES);
    let bytes = 0;
    for await (const chunk of file.chunks(chunkBytes)) {
      const windowEnd = context.sentBefore + bytes + chunk.length - RECEIVE_WINDOW_BYTES;
      if (replies.isKad && windowEnd > 0) await replies.waitForWritten(windowEnd);
      hash.update(chunk);
      await channel.sendBinary(chunk);
      bytes += chunk.length;
      context.onProgress(bytes);
    }
    if (file.size !== UNKNOWN_SIZE && bytes !== file.size) {
      throw new KadError(
        "UNREADABLE",
        `${file.relativePath ?? file.name} shrank while it was being sent`,
        {
          hint: "Send it again once nothing is writing to it.",
        },
      );
    }
    const sha256 = hash.hex();
    if (replies.isKad) channel.sendText(encodeShareMessage({ kad: "eof", bytes, sha256 }));
    return { bytes, sha256 };
  } catch (error) {
    throw await replies.reasonFor(error);
  }
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
