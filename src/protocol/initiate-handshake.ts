/**
 * The initiate exchange (browser-protocol.md section 3), one per file, as two
 * explicit state machines. No `node:` imports: the web page can drive it too.
 *
 *   initiator A (sender)          server S              responder B (receiver)
 *   offering
 *   awaiting-answer  -- initiate {id:B, offerSDP} a1 -->  -- initiate {id:A} s1 -->  answering
 *                    <-- reply a1: answer, id s2 ----  <-- reply s1: answer, id b1 -- awaiting-candidates
 *   gathering        (wait for ICE gathering to complete)
 *   awaiting-candidates -- reply s2: [A's], id a2 -->  -- reply b1: [A's], id s3 -->  gathering
 *                    <-- reply a2: [B's] ------------  <-- reply s3: [B's] ---------  done
 *   done
 *
 * An original browser answers an initiate only once it has listed the sender,
 * so the initiator retries an unanswered initiate a few times within 20 s.
 */
import { KadError } from "../util/errors.js";
import { INITIATE_STEP_TIMEOUT_MS } from "./limits.js";
import { type IncomingReply, RpcClosedError, RpcTimeoutError } from "./mop-rpc.js";
import {
  answerSchema,
  type Candidate,
  candidateListSchema,
  errorReplySchema,
  offerSchema,
  type SessionDescription,
} from "./signaling-messages.js";

/** What the handshake needs from a WebRTC peer. */
export interface HandshakePeer {
  createOffer(): Promise<SessionDescription>;
  acceptOffer(offer: SessionDescription): Promise<SessionDescription>;
  acceptAnswer(answer: SessionDescription): void;
  /** Resolves with every local candidate once gathering has completed. */
  localCandidates(): Promise<Candidate[]>;
  addRemoteCandidates(candidates: Candidate[]): void;
}

/** What the handshake needs from the signaling connection (RpcEndpoint fits). */
export interface HandshakeRpc {
  request(type: string, payload: unknown, timeoutMs: number): Promise<IncomingReply>;
  reply(replyId: string, payload: unknown): void;
  reply(replyId: string, payload: unknown, timeoutMs: number): Promise<IncomingReply>;
}

export type InitiatorState =
  | "offering"
  | "awaiting-answer"
  | "gathering"
  | "awaiting-candidates"
  | "done"
  | "failed";

export type ResponderState = "answering" | "awaiting-candidates" | "gathering" | "done" | "failed";

const INITIATOR_TRANSITIONS: Record<InitiatorState, InitiatorState[]> = {
  offering: ["awaiting-answer", "failed"],
  "awaiting-answer": ["gathering", "failed"],
  gathering: ["awaiting-candidates", "failed"],
  "awaiting-candidates": ["done", "failed"],
  done: [],
  failed: [],
};

const RESPONDER_TRANSITIONS: Record<ResponderState, ResponderState[]> = {
  answering: ["awaiting-candidates", "failed"],
  "awaiting-candidates": ["gathering", "failed"],
  gathering: ["done", "failed"],
  done: [],
  failed: [],
};

/** Timeouts of successive initiate attempts; they add up to the 20 s step timeout. */
export const INITIATE_ATTEMPT_TIMEOUTS_MS = [3_000, 5_000, 12_000];

class StateMachine<S extends string> {
  constructor(
    private current: S,
    private readonly transitions: Record<S, S[]>,
    private readonly onState?: (state: S) => void,
  ) {}

  get state(): S {
    return this.current;
  }

  to(next: S): void {
    if (!this.transitions[this.current].includes(next)) {
      throw new KadError("INTERNAL", `handshake cannot go from ${this.current} to ${next}`);
    }
    this.current = next;
    this.onState?.(next);
  }
}

function parseOrThrow<T>(
  schema: { safeParse(v: unknown): { success: boolean; data?: T } },
  value: unknown,
  what: string,
): T {
  const result = schema.safeParse(value);
  if (!result.success || result.data === undefined) {
    throw new KadError("PROTOCOL", `the peer sent an invalid ${what}`);
  }
  return result.data;
}

function expectReplyId(reply: IncomingReply, what: string): string {
  if (reply.id === undefined) throw new KadError("PROTOCOL", `the ${what} did not ask for a reply`);
  return reply.id;
}

function asKadError(error: unknown, what: string): unknown {
  if (error instanceof RpcTimeoutError) {
    return new KadError("PEER_UNREACHABLE", `the peer did not ${what} in time`, {
      hint: "The other side may have closed, or its network blocks WebRTC.",
      cause: error,
    });
  }
  if (error instanceof RpcClosedError) {
    return new KadError("SERVER_UNREACHABLE", "lost the connection to the signaling server", {
      cause: error,
    });
  }
  return error;
}

export interface InitiatorOptions {
  rpc: HandshakeRpc;
  peer: HandshakePeer;
  targetId: string;
  attemptTimeoutsMs?: number[];
  stepTimeoutMs?: number;
  onState?: (state: InitiatorState) => void;
  /**
   * Set the answer only once the responder's candidates are here. The
   * responder's first connectivity check then reaches a side that has no
   * answer yet, which keeps it, and connects when the answer is set; set
   * first, the answer makes ICE answer that check with a check of its own
   * one pacing interval (50 ms) later. For kad receivers only: the early
   * connection can race libdatachannel's storing of the peer's fingerprint
   * (peer-connect.ts retries once without it).
   */
  answerWithCandidates?: boolean;
}

/** Runs the initiator's side; resolves once both candidate arrays have crossed. */
export async function runInitiator(options: InitiatorOptions): Promise<void> {
  const machine = new StateMachine<InitiatorState>(
    "offering",
    INITIATOR_TRANSITIONS,
    options.onState,
  );
  const stepTimeout = options.stepTimeoutMs ?? INITIATE_STEP_TIMEOUT_MS;
  try {
    const offer = await options.peer.createOffer();
    machine.to("awaiting-answer");
    const answered = await requestAnswer(options, offer);
    const answer = parseOrThrow(answerSchema, answered.payload, "answer");
    if (!options.answerWithCandidates) options.peer.acceptAnswer(answer);
    const replyId = expectReplyId(answered, "answer");
    machine.to("gathering");
    const candidates = await options.peer.localCandidates();
    machine.to("awaiting-candidates");
    const remote = await options.rpc
      .reply(replyId, candidates, stepTimeout)
      .catch((error) => Promise.reject(asKadError(error, "send its candidates")));
    throwIfRefused(remote.payload, "send its candidates");
    const remoteCandidates = parseOrThrow(candidateListSchema, remote.payload, "candidate list");
    if (options.answerWithCandidates) options.peer.acceptAnswer(answer);
    options.peer.addRemoteCandidates(remoteCandidates);
    machine.to("done");
  } catch (error) {
    if (machine.state !== "failed") machine.to("failed");
    throw error;
  }
}

/**
 * kad's server answers a step it cannot relay with `{"err": ...}` (an
 * extension). A timed-out initiate stays an RpcTimeoutError, which
 * requestAnswer retries; at a later step (`what`) it ends the handshake.
 */
function throwIfRefused(payload: unknown, what?: string): void {
  const refused = errorReplySchema.safeParse(payload);
  if (!refused.success) return;
  const err = refused.data.err;
  if (err === "busy" || err === "timeout") {
    const timeout = new RpcTimeoutError(`initiate (${err})`);
    throw what ? asKadError(timeout, what) : timeout;
  }
  throw new KadError("PEER_UNREACHABLE", "the other side is no longer in the room", {
    hint: "It stopped or lost its connection; start the transfer again.",
    cause: err,
  });
}

async function requestAnswer(
  options: InitiatorOptions,
  offer: SessionDescription,
): Promise<IncomingReply> {
  const payload = { id: options.targetId, offerSDP: offer };
  const attempts = options.attemptTimeoutsMs ?? INITIATE_ATTEMPT_TIMEOUTS_MS;
  for (const [index, timeout] of attempts.entries()) {
    try {
      const reply = await options.rpc.request("initiate", payload, timeout);
      throwIfRefused(reply.payload);
      return reply;
    } catch (error) {
      const last = index === attempts.length - 1;
      if (!(error instanceof RpcTimeoutError) || last) throw asKadError(error, "answer the offer");
    }
  }
  throw new KadError("INTERNAL", "no initiate attempts configured");
}

export interface ResponderOptions {
  rpc: HandshakeRpc;
  peer: HandshakePeer;
  /** The id of the incoming initiate request (s1). */
  requestId: string;
  offer: unknown;
  stepTimeoutMs?: number;
  onState?: (state: ResponderState) => void;
}

/** Runs the responder's side for one incoming initiate. */
export async function runResponder(options: ResponderOptions): Promise<void> {
  const machine = new StateMachine<ResponderState>(
    "answering",
    RESPONDER_TRANSITIONS,
    options.onState,
  );
  const stepTimeout = options.stepTimeoutMs ?? INITIATE_STEP_TIMEOUT_MS;
  try {
    const offer = parseOrThrow(offerSchema, options.offer, "offer");
    const answer = await options.peer.acceptOffer(offer);
    machine.to("awaiting-candidates");
    const remote = await options.rpc
      .reply(options.requestId, answer, stepTimeout)
      .catch((error) => Promise.reject(asKadError(error, "send its candidates")));
    throwIfRefused(remote.payload, "send its candidates");
    options.peer.addRemoteCandidates(
      parseOrThrow(candidateListSchema, remote.payload, "candidate list"),
    );
    const replyId = expectReplyId(remote, "candidate list");
    machine.to("gathering");
    options.rpc.reply(replyId, await options.peer.localCandidates());
    machine.to("done");
  } catch (error) {
    if (machine.state !== "failed") machine.to("failed");
    throw error;
  }
}
