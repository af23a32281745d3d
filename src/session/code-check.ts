/**
 * The sender's side of the code check on each connection (engine/pake.ts):
 * a kad receiver that offers the PAKE must prove the code before any
 * metadata; a receiver that cannot (an original browser client, which is
 * also what an attacker would claim to be) is refused unless the user chose
 * --allow-unverified-browser. With --verify the sender confirms the short
 * authentication string before any byte goes.
 */

import type { CpaceShare } from "../engine/cpace.js";
import { PAKE_STEP_MS, proveCodeToReceiver } from "../engine/pake.js";
import { badCode } from "../engine/peer-errors.js";
import type { OutgoingChannel } from "../engine/ports.js";
import type { ReceiverReplies } from "../engine/receiver-replies.js";
import { HELLO_WAIT_MS } from "../engine/transfer-limits.js";
import { sdpFingerprint } from "../protocol/sdp-fingerprint.js";
import { encodeShareMessage } from "../protocol/share-messages.js";
import { KadError } from "../util/errors.js";
import type { RtcPeer } from "../webrtc/peer.js";
import type { EventSink } from "./events.js";
import type { SessionScope } from "./scope.js";

export interface CodeCheckConfig {
  room: string;
  secret: string;
  /** Send to a receiver that cannot prove the code (--allow-unverified-browser). */
  allowUnverified: boolean;
  /** Asks the user whether the words match (--verify); undefined: no question. */
  confirmWords: ((words: string) => Promise<boolean>) | undefined;
  /** Set once the unverified receiver was warned about: one warning per send, not per file. */
  warned?: boolean;
  /** A share made while waiting for the receiver, taken by the next check (PakeParams.share). */
  spareShare?: CpaceShare;
}

/** DTLS fingerprints of both sides as this side's descriptions have them. */
export function fingerprintsOf(peer: RtcPeer): { local: string; remote: string } {
  const { local, remote } = peer.descriptions();
  const ownPrint = sdpFingerprint(local);
  const peerPrint = sdpFingerprint(remote);
  if (!ownPrint || !peerPrint) {
    throw new KadError(
      "PROTOCOL",
      "a session description has no DTLS fingerprint to check the code against",
    );
  }
  return { local: ownPrint, remote: peerPrint };
}

export function unverifiedWarning(role: "receiver" | "sender"): string {
  return `the ${role} is an original browser client and cannot prove it knows the code: whoever runs the server could be in between`;
}

/** Runs the check on one connection; resolves once bytes may go, rejects with why not. */
export async function checkReceiver(
  scope: SessionScope,
  link: { peer: RtcPeer; channel: OutgoingChannel; replies: ReceiverReplies },
  config: CodeCheckConfig,
  emit: EventSink,
): Promise<void> {
  const { replies } = link;
  await replies.waitForHello(HELLO_WAIT_MS);
  if (replies.isKad && !replies.offersPake) {
    // A kad receiver given only the room part of the code: it cannot take part.
    const message = "the sender needs the whole code, with its secret words";
    link.channel.sendText(encodeShareMessage({ kad: "error", code: "BAD_CODE", message }));
    throw badCode();
  }
  if (!replies.offersPake) {
    if (!config.allowUnverified) {
      throw new KadError(
        "UNVERIFIED_PEER",
        "the receiver cannot prove it knows the code (an original browser client, or someone posing as one); nothing was sent",
        {
          hint: "If you trust the server and the network, send again with --allow-unverified-browser.",
        },
      );
    }
    if (!config.warned) emit({ event: "warning", message: unverifiedWarning("receiver") });
    config.warned = true;
    return;
  }
  const { local, remote } = fingerprintsOf(link.peer);
  const share = config.spareShare;
  config.spareShare = undefined;
  const words = await scope.race(
    proveCodeToReceiver(
      link.channel,
      replies,
      {
        secret: config.secret,
        room: config.room,
        localFingerprint: local,
        remoteFingerprint: remote,
        ...(share ? { share } : {}),
      },
      PAKE_STEP_MS,
    ),
  );
  if (!config.confirmWords) return;
  emit({ event: "verify", words });
  if (!(await scope.race(config.confirmWords(words)))) {
    // Tell the receiver why, or it only sees the connection drop.
    const message =
      "the sender saw other words (--verify): someone may be in between; nothing was sent";
    try {
      link.channel.sendText(encodeShareMessage({ kad: "error", code: "BAD_CODE", message }));
    } catch {
      // Closed already: the receiver notices the drop.
    }
    throw new KadError("BAD_CODE", "the words did not match on both sides; nothing was sent", {
      hint: "Someone may be in between: send again, over another server or network.",
    });
  }
}
