/**
 * Receives one file on one peer connection: answers the initiate (as the
 * responder), opens this side's `share` channel and says the kad hello on
 * it, then feeds the sender's channel to a FileReceiver. A newer initiate
 * from the same sender before any data supersedes it (the sender retried).
 */
import type { Writable } from "node:stream";
import type { FileReceiver } from "../engine/file-receiver.js";
import { type HandshakePeer, runResponder } from "../protocol/initiate-handshake.js";
import {
  encodeShareMessage,
  KAD_SHARE_VERSION,
  type ReceiverExtension,
} from "../protocol/share-messages.js";
import type { IncomingInitiate, SignalingClient } from "../protocol/signaling-client.js";
import { createFileReceiver, type SavedFile } from "../transfer/file-receiver.js";
import { KadError } from "../util/errors.js";
import type { RtcChannel } from "../webrtc/channel.js";
import { type IceConfig, RtcPeer } from "../webrtc/peer.js";
import type { EventSink } from "./events.js";
import type { SessionScope } from "./scope.js";

export interface ReceiveContext {
  scope: SessionScope;
  config: { output: string; overwrite: boolean; timeoutMs: number; stdout: Writable };
  emit: EventSink;
  signaling: SignalingClient;
  ice: IceConfig;
  senderId: string | undefined;
  /** Set while a file's connection is being set up, before any data. */
  cancelConnecting: (() => void) | undefined;
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

/** The peer as the handshake's responder, creating this side's channel after the answer. */
function answererWithHello(
  peer: RtcPeer,
  hello: ReceiverExtension,
): {
  handshake: HandshakePeer;
  own(): RtcChannel | undefined;
} {
  let own: RtcChannel | undefined;
  const handshake: HandshakePeer = {
    createOffer: () => peer.createOffer(),
    acceptOffer: async (offer) => {
      const answer = await peer.acceptOffer(offer);
      // Created only now: before the answer, libdatachannel would start an offer of its own.
      own = peer.createShareChannel();
      own.opened.then(
        () => own?.sendText(encodeShareMessage(hello)),
        () => {},
      );
      return answer;
    },
    acceptAnswer: () => {},
    localCandidates: () => peer.localCandidates(),
    addRemoteCandidates: (candidates) => peer.addRemoteCandidates(candidates),
  };
  return { handshake, own: () => own };
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
    sendBack,
    onFile: (file) =>
      emit({
        event: "file",
        name: file.relativePath,
        size: sizeOrNull(file.size),
        index: context.files + file.index,
        count: null,
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
  const answerer = answererWithHello(peer, {
    kad: "hello",
    v: KAD_SHARE_VERSION,
    ...(single ? { single } : { session: true }),
  });
  const receiver = fileReceiverFor(context, (text) => answerer.own()?.sendText(text), stall.touch);
  scope.defer(() => receiver.abort(new KadError("INTERRUPTED", "interrupted")));
  let active = true;
  context.transferring = true;
  const lost = (error: unknown) => {
    if (!active) return;
    const explained = peer.explainLoss(error);
    void receiver.abort(explained as Error);
    scope.fail(explained);
  };
  peer.lost.promise.catch(lost);
  watchSenderLeaving(context, () => active, lost);
  const superseded = new Promise<never>((_, reject) => {
    context.cancelConnecting = () => reject(new Superseded());
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
    const remote = await scope.race(Promise.race([peer.remoteChannel.promise, superseded]));
    context.cancelConnecting = undefined;
    const path = peer.selectedPath();
    if (path) context.emit({ event: "path", ...path });
    remote.onMessage((message) => receiver.handle(message));
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
    context.cancelConnecting = undefined;
    // Let a refusal just sent to a kad sender leave before the connection closes.
    await drainBriefly(answerer.own());
    peer.close();
    throw error;
  }
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
    if (!members.some((member) => member.id === context.senderId)) {
      lost(
        new KadError("PEER_LEFT", "the sender left before the file was complete", {
          hint: "The unfinished file was not kept; ask the sender to send it again.",
        }),
      );
    }
  });
}
