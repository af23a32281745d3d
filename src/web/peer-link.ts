/**
 * One RTCPeerConnection per file, set up through the initiate chain
 * (browser-protocol.md section 3). Both sides create a `share` channel; the
 * sender writes on its own, the receiver reads the one that arrives.
 *
 *   sender (initiateTo)                 server                receiver (answerInitiate)
 *   initiate {id, offerSDP}  ───────────────►  initiate {id: sender, offerSDP}
 *                            ◄───────────────  reply: answer (asks for a reply)
 *   reply: sender candidates ───────────────►  reply (asks for a reply)
 *                            ◄───────────────  reply: receiver candidates
 */
import { INITIATE_STEP_TIMEOUT_MS, MAX_CANDIDATES } from "../protocol/limits.js";
import { type IncomingReply, RpcTimeoutError } from "../protocol/mop-rpc.js";
import {
  answerSchema,
  type Candidate,
  candidateListSchema,
  errorReplySchema,
  type SessionDescription,
} from "../protocol/signaling-messages.js";
import { PageError } from "./page-error.js";
import type { IncomingInitiate, Signaling } from "./signaling.js";

/** An original browser answers an initiate only once it has listed us: retry soon. */
const INITIATE_ATTEMPT_TIMEOUT_MS = 6_000;
const INITIATE_ATTEMPTS = 3;
/** Host candidates come at once; without STUN/TURN nothing takes longer. */
const GATHERING_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 30_000;

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
      else this.early.push(data);
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
  iceServers: RTCIceServer[];
}

function newConnection(options: LinkOptions) {
  const pc = new RTCPeerConnection({ iceServers: options.iceServers });
  const own = pc.createDataChannel("share", { ordered: true });
  own.binaryType = "arraybuffer";
  const remote = new Promise<{ channel: RTCDataChannel; inbox: Inbox }>((resolve) => {
    pc.addEventListener("datachannel", (event) => {
      event.channel.binaryType = "arraybuffer";
      resolve({ channel: event.channel, inbox: new Inbox(event.channel) });
    });
  });
  return { pc, own, remote, gathered: gatherCandidates(pc) };
}

/** Sender side: offers, exchanges candidates, resolves once both channels are open. */
export async function initiateTo(
  signaling: Signaling,
  peerId: string,
  options: LinkOptions,
): Promise<PeerLink> {
  const { pc, own, remote, gathered } = newConnection(options);
  try {
    await pc.setLocalDescription(await pc.createOffer());
    const offer = describe(pc.localDescription);
    const answerReply = await requestAnswer(signaling, { id: peerId, offerSDP: offer });
    const answer = answerSchema.safeParse(answerReply.payload);
    if (!answer.success || answerReply.id === undefined) throw refused(answerReply.payload);
    await pc.setRemoteDescription(answer.data);
    const candidates = await gathered;
    const theirs = await signaling.rpc.reply(answerReply.id, candidates, INITIATE_STEP_TIMEOUT_MS);
    await addCandidates(pc, theirs.payload);
    return await connected(pc, own, remote);
  } catch (error) {
    pc.close();
    throw translate(error);
  }
}

/** Receiver side: answers an incoming initiate and completes the exchange. */
export async function answerInitiate(
  signaling: Signaling,
  initiate: IncomingInitiate,
  options: LinkOptions,
): Promise<PeerLink> {
  const { pc, own, remote, gathered } = newConnection(options);
  try {
    await pc.setRemoteDescription(initiate.offer);
    await pc.setLocalDescription(await pc.createAnswer());
    const answer = describe(pc.localDescription);
    const theirs = await signaling.rpc.reply(initiate.replyId, answer, INITIATE_STEP_TIMEOUT_MS);
    await addCandidates(pc, theirs.payload);
    const ours = await gathered;
    if (theirs.id !== undefined) signaling.rpc.reply(theirs.id, ours);
    return await connected(pc, own, remote);
  } catch (error) {
    pc.close();
    throw translate(error);
  }
}

async function requestAnswer(
  signaling: Signaling,
  payload: { id: string; offerSDP: SessionDescription },
): Promise<IncomingReply> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await signaling.rpc.request("initiate", payload, INITIATE_ATTEMPT_TIMEOUT_MS);
    } catch (error) {
      if (!(error instanceof RpcTimeoutError) || attempt >= INITIATE_ATTEMPTS) throw error;
    }
  }
}

function describe(description: RTCSessionDescription | null): SessionDescription {
  if (!description || (description.type !== "offer" && description.type !== "answer")) {
    throw new PageError("protocol", "The browser produced no session description.");
  }
  return { type: description.type, sdp: description.sdp };
}

/** kad's server replies `{"err": ...}` in place of a relayed step that cannot complete. */
function refused(payload: unknown): PageError {
  const error = errorReplySchema.safeParse(payload);
  const reason = error.success ? error.data.err : undefined;
  if (reason === "notfound" || reason === "peer-left") {
    return new PageError("peer-left", "That person is no longer in the room.");
  }
  if (reason === "timeout")
    return new PageError("timeout", "The other side did not answer in time.");
  if (reason === "busy") return new PageError("timeout", "The other side is busy; try again.");
  return new PageError("protocol", "The other side sent an unexpected answer.");
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

async function addCandidates(pc: RTCPeerConnection, payload: unknown): Promise<void> {
  const list = candidateListSchema.safeParse(payload);
  if (!list.success) throw refused(payload);
  for (const candidate of list.data) {
    // One unusable candidate (another address family, say) must not sink the rest.
    await pc.addIceCandidate(candidate).catch(() => undefined);
  }
}

function connected(
  pc: RTCPeerConnection,
  own: RTCDataChannel,
  remoteArrival: Promise<{ channel: RTCDataChannel; inbox: Inbox }>,
): Promise<PeerLink> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(), CONNECT_TIMEOUT_MS);
    const fail = () => {
      clearTimeout(timer);
      reject(
        new PageError("peer-unreachable", "Could not open a direct connection to the other side."),
      );
    };
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "failed" || pc.connectionState === "closed") fail();
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

function translate(error: unknown): unknown {
  if (error instanceof PageError) return error;
  if (error instanceof RpcTimeoutError) {
    return new PageError("timeout", "The other side did not answer in time.");
  }
  return error;
}
