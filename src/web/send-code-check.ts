/**
 * The page as sender proves the code on every connection, like kad send
 * (src/session/code-check.ts): a receiver that offers the PAKE must prove it
 * knows the secret words before any metadata goes; one that cannot (an
 * original browser page, which is also what someone in between would claim
 * to be) gets nothing unless the person ticked the box that allows it.
 */
import { proveCodeToReceiver } from "../engine/pake.js";
import { badCode } from "../engine/peer-errors.js";
import type { OutgoingChannel } from "../engine/ports.js";
import type { ReceiverReplies } from "../engine/receiver-replies.js";
import { sdpFingerprint } from "../protocol/sdp-fingerprint.js";
import { encodeShareMessage } from "../protocol/share-messages.js";
import { PageError } from "./page-error.js";

export interface SenderCode {
  room: string;
  /** Undefined for a plain room (an original client's): nothing can be checked. */
  secret: string | undefined;
  /** The person allowed receivers that cannot check the code. */
  allowUnverified(): boolean;
}

export interface CheckedConnection {
  pc: RTCPeerConnection;
  channel: OutgoingChannel;
  replies: ReceiverReplies;
}

/** Resolves once files may go on this connection; rejects with why not. Call after the hello wait. */
export async function checkReceiverCode(
  connection: CheckedConnection,
  code: SenderCode | undefined,
): Promise<void> {
  const { replies, channel } = connection;
  const secret = code?.secret;
  if (replies.offersPake !== (secret !== undefined) && replies.isKad) {
    // One side has the secret words and the other does not.
    refuseBadCode(channel);
  }
  if (!secret || !code) return;
  if (!replies.offersPake) {
    if (code.allowUnverified()) return;
    throw unverifiedReceiver();
  }
  const localFingerprint = sdpFingerprint(connection.pc.localDescription?.sdp ?? "");
  const remoteFingerprint = sdpFingerprint(connection.pc.remoteDescription?.sdp ?? "");
  if (!localFingerprint || !remoteFingerprint) refuseBadCode(channel);
  await proveCodeToReceiver(channel, replies, {
    secret,
    room: code.room,
    localFingerprint,
    remoteFingerprint,
  });
}

function refuseBadCode(channel: OutgoingChannel): never {
  const error = badCode();
  try {
    channel.sendText(
      encodeShareMessage({ kad: "error", code: "BAD_CODE", message: error.message }),
    );
  } catch {
    // Closed already: the receiver notices by itself.
  }
  throw error;
}

export function unverifiedReceiver(): PageError {
  return new PageError(
    "unverified-peer",
    "The receiver cannot prove it knows the code (an original browser page, or someone posing as one), so nothing was sent. If you trust this server and network, tick “Also send to pages that cannot check the code” and send again.",
  );
}
