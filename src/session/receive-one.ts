/**
 * Receives one file on one peer connection: answers the initiate (as the
 * responder), opens this side's `share` channel and says the kad hello on
 * it, then feeds the sender's channel to a FileReceiver. A newer initiate
 * from the same sender before any data supersedes it (the sender retried).
 */
import type { Writable } from "node:stream";
import type { CpaceShare } from "../engine/cpace.js";
import type { FileReceiver } from "../engine/file-receiver.js";
import { LaneMerger } from "../engine/lane-merger.js";
import { PakeGate, ReceiverPake } from "../engine/pake.js";
import { type HandshakePeer, runResponder } from "../protocol/initiate-handshake.js";
import { isKadSender, SETUP_RETRY_GRACE_MS } from "../protocol/sender-retry.js";
import {
  encodeShareMessage,
  KAD_PAKE_VERSION,
  KAD_SHARE_VERSION,
  type ReceiverExtension,
  type ResumeOffer,
} from "../protocol/share-messages.js";
import type { IncomingInitiate, SignalingClient } from "../protocol/signaling-client.js";
import { createFileReceiver, type SavedFile } from "../transfer/file-receiver.js";
import type { PartialStore } from "../transfer/partials.js";
import { KadError } from "../util/errors.js";
import type { RtcChannel } from "../webrtc/channel.js";
import { type IceConfig, RtcPeer } from "../webrtc/peer.js";
import { fingerprintsOf, unverifiedWarning } from "./code-check.js";
import type { EventSink } from "./events.js";
import type { InitiateInbox } from "./initiate-inbox.js";
import { acceptLane } from "./lanes.js";
import type { SessionScope } from "./scope.js";

export interface ReceiveContext {
  scope: SessionScope;
  config: { output: string; overwrite: boolean; timeoutMs: number; stdout: Writable };
  /** Partials of the output directory to offer and continue; absent with --no-resume or -o -. */
  partials: PartialStore | undefined;
  emit: EventSink;
  signaling: SignalingClient;
  ice: IceConfig;
  /** The room and the code's secret words (undefined: a room without a secret, from an original client). */
  code: { room: string; secret: string | undefined };
  /** A PAKE share made while waiting for the sender, taken by the next connection (PakeParams.share). */
  spareShare?: CpaceShare;
  /** --verify: show the words derived from the key. */
  verify: boolean;
  /** Said once per session: the sender skipped the code check. */
  warnedUnverified: boolean;
  /** Extra connections a sender may stripe bytes over (KAD_LANES; share-messages.ts "Lanes"). */
  lanes: number;
  /** The chosen sender's initiates; a newer one supersedes a connection still being set up. */
  inbox: InitiateInbox;
  /** True while a file's connection is up: losing the server then does not matter. */
  transferring: boolean;
  markEnded(): void;
  files: number;
  bytes: number;
}

/** Longest wait for a refusal to leave before the connection closes. */
export const REFUSAL_FLUSH_MS = 1_000;
/** A receive that a newer initiate from the same sender replaced before any data. */
export class Superseded extends Error {}

/**
 * The peer as the handshake's responder, creating this side's channel after
 * the answer; once it opens, the hello and (with a secret) the PAKE share go
 * out on it.
 */
export function answererWithHello(
  peer: RtcPeer,
  hello: ReceiverExtension,
  code: { secret: string | undefined; room: string; share: CpaceShare | undefined },
): {
  handshake: HandshakePeer;
  own(): RtcChannel | undefined;
  pake(): ReceiverPake | undefined;
} {
  let own: RtcChannel | undefined;
  let pake: ReceiverPake | undefined;
  const handshake: HandshakePeer = {
    createOffer: () => peer.createOffer(),
    acceptOffer: async (offer) => {
      const answer = await peer.acceptOffer(offer);
      if (code.secret !== undefined) {
        const { local, remote } = fingerprintsOf(peer);
        pake = new ReceiverPake({
          secret: code.secret,
          room: code.room,
          localFingerprint: local,
          remoteFingerprint: remote,
          ...(code.share ? { share: code.share } : {}),
        });
      }
      // Created only now: before the answer, libdatachannel would start an offer of its own.
      own = peer.createShareChannel();
      const share = pake?.shareMessage;
      own.opened
        .then(() => {
          own?.sendText(encodeShareMessage(hello));
          if (share) own?.sendText(encodeShareMessage(share));
        })
        // An original sender may be done and gone before the hello goes out
        // (it needs none); a loss that matters is reported by the connection.
        .catch(() => {});
      return answer;
    },
    acceptAnswer: () => {},
    localCandidates: () => peer.localCandidates(),
    addRemoteCandidates: (candidates) => peer.addRemoteCandidates(candidates),
  };
  return { handshake, own: () => own, pake: () => pake };
}

/**
 * Holds the sender's messages back from the FileReceiver until it proved the
 * code, then puts striped bytes back in order (engine/lane-merger.ts).
 */
function gateFor(
  context: ReceiveContext,
  answerer: ReturnType<typeof answererWithHello>,
  merger: LaneMerger,
  lost: (error: unknown) => void,
): PakeGate {
  return new PakeGate(answerer.pake(), {
    send: (text) => answerer.own()?.sendText(text),
    onVerified: (words) => {
      merger.markVerified();
      if (context.verify) context.emit({ event: "verify", words });
    },
    onUnverified: () => {
      if (context.warnedUnverified) return;
      context.warnedUnverified = true;
      context.emit({ event: "warning", message: unverifiedWarning("sender") });
    },
    onFailed: lost,
    deliver: (message) => merger.handleShare(message),
  });
}

/** Answers the sender's lane offers (only once it proved the code) and merges their bytes. */
function mergerFor(
  context: ReceiveContext,
  laneCount: number,
  receiver: FileReceiver<string>,
  sendBack: (text: string) => void,
  lost: (error: unknown) => void,
): LaneMerger {
  const merger: LaneMerger = new LaneMerger(
    {
      deliver: (message) => receiver.handle(message),
      laneOffered: (offer) => acceptLane(context.scope, context.ice, offer, sendBack, merger),
      fail: (error) => {
        void receiver.abort(error, true);
        lost(error);
      },
    },
    laneCount,
  );
  return merger;
}

function resumeOffers(context: ReceiveContext): { resume?: ResumeOffer[] } {
  const offers = context.partials?.offers() ?? [];
  return offers.length > 0 ? { resume: offers } : {};
}

function fileReceiverFor(
  context: ReceiveContext,
  sendBack: (text: string) => void,
  touch: () => void,
): FileReceiver<string> {
  const { config, emit } = context;
  const sizeOrNull = (size: number) => (size < 0 ? null : size);
  return createFileReceiver({
    output: config.output,
    overwrite: config.overwrite,
    stdout: config.stdout,
    ...(context.partials ? { partials: context.partials } : {}),
    sendBack,
    onFile: (file) =>
      emit({
        event: "file",
        name: file.relativePath,
        size: sizeOrNull(file.size),
        index: context.files + file.index,
        count: null,
        offset: file.offset,
      }),
    onProgress: (file, bytes) => {
      touch();
      emit({ event: "progress", name: file.relativePath, bytes, total: sizeOrNull(file.size) });
    },
    onFileDone: (file) => {
      touch();
      emit({
        event: "file-done",
        name: file.relativePath,
        size: file.bytes,
        sha256: file.sha256,
        path: file.stored,
      });
    },
    onEnd: () => context.markEnded(),
  });
}

export async function receiveOne(
  context: ReceiveContext,
  initiate: IncomingInitiate,
): Promise<SavedFile[]> {
  const { scope } = context;
  const stall = scope.stallGuard(context.config.timeoutMs, "receiving");
  const peer = await RtcPeer.create(
    "kad-receive",
    RtcPeer.iceForOffer(context.ice, initiate.offer),
  );
  scope.defer(() => peer.close());
  const single = context.config.output === "-";
  const { secret, room } = context.code;
  // Lanes are set up inside the connection the code check authenticated: only with a secret.
  const laneCount = secret !== undefined ? context.lanes : 0;
  const hello: ReceiverExtension = {
    kad: "hello",
    v: KAD_SHARE_VERSION,
    ...(secret !== undefined ? { pake: KAD_PAKE_VERSION } : {}),
    ...(single ? { single } : { session: true }),
    ...resumeOffers(context),
    ...(laneCount > 0 ? { lanes: laneCount } : {}),
  };
  const share = context.spareShare;
  context.spareShare = undefined;
  const answerer = answererWithHello(peer, hello, { secret, room, share });
  const sendBack = (text: string) => answerer.own()?.sendText(text);
  const receiver = fileReceiverFor(context, sendBack, stall.touch);
  scope.defer(() => receiver.abort(new KadError("INTERRUPTED", "interrupted")));
  let active = true;
  context.transferring = true;
  const lost = (error: unknown) => {
    if (!active) return;
    const explained = peer.explainLoss(error);
    void receiver.abort(explained as Error);
    scope.fail(explained);
  };
  let channelUp = false;
  // Before the channel is up, a failure ends the wait for it below.
  peer.lost.promise.catch((error) => channelUp && lost(error));
  watchSenderLeaving(context, () => active, lost);
  let stopWatchingRetries = () => {};
  const superseded = new Promise<never>((_, reject) => {
    stopWatchingRetries = context.inbox.onArrival(() => reject(new Superseded()));
  });
  superseded.catch(() => {});
  try {
    const { requestId, offer } = initiate;
    const responding = runResponder({
      rpc: context.signaling.rpc,
      peer: answerer.handshake,
      requestId,
      offer,
    });
    await scope.race(Promise.race([responding, superseded]));
    const fromKadSender = context.signaling.members.some(
      (member) => member.id === initiate.from && isKadSender(member.name),
    );
    const channel = fromKadSender
      ? peer.remoteChannel.promise.catch((error) => awaitRetry(error, superseded))
      : peer.remoteChannel.promise;
    const remote = await scope.race(Promise.race([channel, superseded]));
    channelUp = true;
    stopWatchingRetries();
    const path = peer.selectedPath();
    if (path) context.emit({ event: "path", ...path });
    const merger = mergerFor(context, laneCount, receiver, sendBack, lost);
    const gate = gateFor(context, answerer, merger, lost);
    remote.onMessage((message) => gate.handle(message));
    const files = await scope.race(receiver.finished);
    active = false;
    context.transferring = false;
    stall.stop();
    // The original protocol: the receiver closes the channel once it holds `size` bytes.
    if (files.some((file) => !file.fromKad)) remote.close();
    return files;
  } catch (error) {
    active = false;
    context.transferring = false;
    stall.stop();
    stopWatchingRetries();
    // Let a refusal just sent to a kad sender leave before the connection closes.
    await drainBriefly(answerer.own());
    peer.close();
    throw error;
  }
}

/** The setup failed: superseded by the sender's second try within the grace, or fails with `error`. */
function awaitRetry(error: unknown, superseded: Promise<never>): Promise<never> {
  return new Promise((_, reject) => {
    const timer = setTimeout(() => reject(error), SETUP_RETRY_GRACE_MS);
    superseded.catch((retried) => {
      clearTimeout(timer);
      reject(retried);
    });
  });
}

async function drainBriefly(channel: RtcChannel | undefined): Promise<void> {
  if (!channel?.isOpen) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cap = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, REFUSAL_FLUSH_MS);
  });
  await Promise.race([channel.drain().then(() => new Promise((r) => setTimeout(r, 100))), cap]);
  clearTimeout(timer);
}

function watchSenderLeaving(
  context: ReceiveContext,
  isActive: () => boolean,
  lost: (error: unknown) => void,
): void {
  const stop = context.signaling.onMembers((members) => {
    if (!isActive()) {
      stop();
      return;
    }
    if (!members.some((member) => member.id === context.inbox.senderId)) {
      lost(
        new KadError("PEER_LEFT", "the sender left before the file was complete", {
          hint: "The unfinished file was not kept; ask the sender to send it again.",
        }),
      );
    }
  });
}
