/**
 * One RTCPeerConnection per file, set up through the shared initiate
 * handshake (src/protocol/initiate-handshake.ts, browser-protocol.md section 3).
 * Both sides create a `share` channel; the sender writes on its own, the
 * receiver reads the one that arrives.
 */

import { type HandshakePeer, runInitiator, runResponder } from "../protocol/initiate-handshake.js";
import { MAX_CANDIDATES } from "../protocol/limits.js";
import { SHARE_CHANNEL_LABEL } from "../protocol/share-messages.js";
import type { Candidate, SessionDescription } from "../protocol/signaling-messages.js";
import { connectFailure } from "./connect-failure.js";
import { toPageError } from "./kad-errors.js";
import { cancelled, PageError } from "./page-error.js";
import type { IncomingInitiate, Signaling } from "./signaling.js";

/** Host candidates come at once; without STUN/TURN nothing takes longer. */
const GATHERING_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 30_000;
/** Messages held before the transfer code listens; more means a misbehaving peer. */
const MAX_EARLY_MESSAGES = 1024;

export interface PeerLink {
  pc: RTCPeerConnection;
  /** The channel this side created: the sender's data, or the receiver's back channel. */
  own: RTCDataChannel;
  /** The channel the other side created, once it has arrived and opened. */
  remote: RTCDataChannel;
  /** Messages on `remote`, including any that arrived before a handler was set. */
  inbox: Inbox;
}

export type ChannelMessage = string | ArrayBuffer;

/**
 * Holds messages from the moment a channel arrives until the transfer code
 * listens, so none is lost between `open` and the first handler.
 */
export class Inbox {
  private early: ChannelMessage[] = [];
  private handler: ((message: ChannelMessage) => void) | undefined;

  constructor(channel: RTCDataChannel) {
    channel.addEventListener("message", (event: MessageEvent<unknown>) => {
      const data = event.data;
      if (typeof data !== "string" && !(data instanceof ArrayBuffer)) return;
      if (this.handler) this.handler(data);
      else if (this.early.length < MAX_EARLY_MESSAGES) this.early.push(data);
      else channel.close();
    });
  }

  listen(handler: (message: ChannelMessage) => void): void {
    this.handler = handler;
    const early = this.early;
    this.early = [];
    for (const message of early) handler(message);
  }
}

export interface LinkOptions {
  /** Asked for each connection: TURN credentials expire. */
  iceServers(): Promise<RTCIceServer[]>;
  /** The room and, from a kad link, the code's secret words for the code check. */
  code?: { room: string; secret: string | undefined };
}

function newConnection(iceServers: RTCIceServer[]) {
  const pc = new RTCPeerConnection({ iceServers });
  const own = pc.createDataChannel(SHARE_CHANNEL_LABEL, { ordered: true });
  own.binaryType = "arraybuffer";
  const remote = new Promise<{ channel: RTCDataChannel; inbox: Inbox }>((resolve) => {
    pc.addEventListener("datachannel", (event) => {
      event.channel.binaryType = "arraybuffer";
      resolve({ channel: event.channel, inbox: new Inbox(event.channel) });
    });
  });
  return { pc, own, remote };
}

/** Sender side: runs the shared initiator, resolves once both channels are open. */
export async function initiateTo(
  signaling: Signaling,
  peerId: string,
  options: LinkOptions,
): Promise<PeerLink> {
  const { pc, own, remote } = newConnection(await options.iceServers());
  try {
    await runInitiator({ rpc: signaling.rpc, peer: new BrowserPeer(pc), targetId: peerId });
    return await connected(pc, own, remote);
  } catch (error) {
    pc.close();
    throw toPageError(error);
  }
}

/**
 * Receiver side: runs the shared responder for an incoming initiate.
 * `signal` gives the connection up while it is being set up (the sender
 * retried with a newer initiate).
 */
export async function answerInitiate(
  signaling: Signaling,
  initiate: IncomingInitiate,
  options: LinkOptions,
  signal?: AbortSignal,
): Promise<PeerLink> {
  const { pc, own, remote } = newConnection(await options.iceServers());
  const givenUp = rejectWhenAborted(signal);
  try {
    const responding = runResponder({
      rpc: signaling.rpc,
      peer: new BrowserPeer(pc),
      requestId: initiate.requestId,
      offer: initiate.offer,
    });
    await Promise.race([responding, givenUp]);
    return await Promise.race([connected(pc, own, remote), givenUp]);
  } catch (error) {
    pc.close();
    throw toPageError(error);
  }
}

function rejectWhenAborted(signal: AbortSignal | undefined): Promise<never> {
  const givenUp = new Promise<never>((_, reject) => {
    const stop = () => reject(cancelled());
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop, { once: true });
  });
  givenUp.catch(() => undefined);
  return givenUp;
}

/**
 * An RTCPeerConnection in the shapes the shared handshake uses. Remote
 * candidates wait for the remote description, and one unusable candidate
 * (another address family, say) must not sink the rest.
 */
class BrowserPeer implements HandshakePeer {
  private readonly gathered: Promise<Candidate[]>;
  private remoteSet: Promise<void> = Promise.resolve();

  constructor(private readonly pc: RTCPeerConnection) {
    this.gathered = gatherCandidates(pc);
  }

  async createOffer(): Promise<SessionDescription> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    return describe(this.pc.localDescription);
  }

  async acceptOffer(offer: SessionDescription): Promise<SessionDescription> {
    await this.pc.setRemoteDescription(offer);
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    return describe(this.pc.localDescription);
  }

  acceptAnswer(answer: SessionDescription): void {
    this.remoteSet = this.pc.setRemoteDescription(answer);
    this.remoteSet.catch(() => undefined);
  }

  localCandidates(): Promise<Candidate[]> {
    return this.gathered;
  }

  addRemoteCandidates(candidates: Candidate[]): void {
    void this.remoteSet.then(async () => {
      for (const candidate of candidates) {
        await this.pc.addIceCandidate(candidate).catch(() => undefined);
      }
    });
  }
}

function describe(description: RTCSessionDescription | null): SessionDescription {
  if (!description || (description.type !== "offer" && description.type !== "answer")) {
    throw new PageError("protocol", "The browser produced no session description.");
  }
  return { type: description.type, sdp: description.sdp };
}

/** Non-trickle: the whole array once gathering is complete (or has taken long enough). */
function gatherCandidates(pc: RTCPeerConnection): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      resolve(candidates);
    };
    const timer = setTimeout(finish, GATHERING_TIMEOUT_MS);
    pc.addEventListener("icecandidate", (event) => {
      if (!event.candidate) return finish();
      if (event.candidate.candidate === "" || candidates.length >= MAX_CANDIDATES) return;
      const { candidate, sdpMid, sdpMLineIndex } = event.candidate;
      candidates.push({ candidate, sdpMid, sdpMLineIndex });
    });
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") finish();
    });
  });
}

function connected(
  pc: RTCPeerConnection,
  own: RTCDataChannel,
  remoteArrival: Promise<{ channel: RTCDataChannel; inbox: Inbox }>,
): Promise<PeerLink> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(true), CONNECT_TIMEOUT_MS);
    const fail = (timedOut: boolean) => {
      clearTimeout(timer);
      const { connectionState, iceConnectionState } = pc;
      reject(connectFailure({ timedOut, connectionState, iceConnectionState }, CONNECT_TIMEOUT_MS));
    };
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "failed" || pc.connectionState === "closed") fail(false);
    });
    const ownOpen = new Promise<void>((done) => {
      if (own.readyState === "open") done();
      else own.addEventListener("open", () => done(), { once: true });
    });
    const remoteOpen = remoteArrival.then(
      (remote) =>
        new Promise<{ channel: RTCDataChannel; inbox: Inbox }>((done) => {
          if (remote.channel.readyState === "open") done(remote);
          else remote.channel.addEventListener("open", () => done(remote), { once: true });
        }),
    );
    Promise.all([ownOpen, remoteOpen]).then(([, remote]) => {
      clearTimeout(timer);
      resolve({ pc, own, remote: remote.channel, inbox: remote.inbox });
    });
  });
}
