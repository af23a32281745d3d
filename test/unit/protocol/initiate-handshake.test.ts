import { describe, expect, it } from "vitest";
import {
  type HandshakePeer,
  type HandshakeRpc,
  type InitiatorState,
  type ResponderState,
  runInitiator,
  runResponder,
} from "../../../src/protocol/initiate-handshake.js";
import { type IncomingReply, RpcTimeoutError } from "../../../src/protocol/mop-rpc.js";
import type { Candidate, SessionDescription } from "../../../src/protocol/signaling-messages.js";

const OFFER: SessionDescription = { type: "offer", sdp: "v=0 offer" };
const ANSWER: SessionDescription = { type: "answer", sdp: "v=0 answer" };
const A_CANDIDATES: Candidate[] = [
  { candidate: "candidate:1 1 UDP 1 127.0.0.1 1000 typ host", sdpMid: "0", sdpMLineIndex: 0 },
];
const B_CANDIDATES: Candidate[] = [
  { candidate: "candidate:2 1 UDP 1 127.0.0.1 2000 typ host", sdpMid: "0", sdpMLineIndex: 0 },
];

class FakePeer implements HandshakePeer {
  log: string[] = [];
  constructor(private readonly own: Candidate[]) {}
  async createOffer() {
    this.log.push("createOffer");
    return OFFER;
  }
  async acceptOffer(offer: SessionDescription) {
    this.log.push(`acceptOffer ${offer.sdp}`);
    return ANSWER;
  }
  acceptAnswer(answer: SessionDescription) {
    this.log.push(`acceptAnswer ${answer.sdp}`);
  }
  async localCandidates() {
    this.log.push("localCandidates");
    return this.own;
  }
  addRemoteCandidates(candidates: Candidate[]) {
    this.log.push(`addRemoteCandidates ${candidates.length}`);
  }
}

type Step = (payload: unknown, timeoutMs?: number) => IncomingReply | Error;

/** An rpc whose requests and replies-with-timeout are answered by a script, in order. */
class ScriptedRpc implements HandshakeRpc {
  sent: Array<{ kind: string; payload: unknown; timeoutMs?: number }> = [];
  constructor(private readonly steps: Step[]) {}
  request(type: string, payload: unknown, timeoutMs: number) {
    this.sent.push({ kind: `request ${type}`, payload, timeoutMs });
    return this.next(payload, timeoutMs);
  }
  reply(replyId: string, payload: unknown): void;
  reply(replyId: string, payload: unknown, timeoutMs: number): Promise<IncomingReply>;
  reply(replyId: string, payload: unknown, timeoutMs?: number): Promise<IncomingReply> | undefined {
    this.sent.push({ kind: `reply ${replyId}`, payload, timeoutMs });
    return timeoutMs === undefined ? undefined : this.next(payload, timeoutMs);
  }
  private next(payload: unknown, timeoutMs?: number): Promise<IncomingReply> {
    const step = this.steps.shift();
    if (!step) return Promise.reject(new Error("unexpected step"));
    const result = step(payload, timeoutMs);
    return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
  }
}

describe("initiator", () => {
  it("walks offer, answer, gathering and both candidate arrays", async () => {
    const peer = new FakePeer(A_CANDIDATES);
    const rpc = new ScriptedRpc([
      () => ({ payload: ANSWER, id: "s2" }),
      () => ({ payload: B_CANDIDATES, id: undefined }),
    ]);
    const states: InitiatorState[] = [];
    await runInitiator({ rpc, peer, targetId: "B", onState: (s) => states.push(s) });
    expect(states).toEqual(["awaiting-answer", "gathering", "awaiting-candidates", "done"]);
    expect(rpc.sent.map((s) => s.kind)).toEqual(["request initiate", "reply s2"]);
    expect(rpc.sent[0]?.payload).toEqual({ id: "B", offerSDP: OFFER });
    expect(rpc.sent[1]?.payload).toEqual(A_CANDIDATES);
    expect(peer.log).toEqual([
      "createOffer",
      "acceptAnswer v=0 answer",
      "localCandidates",
      "addRemoteCandidates 1",
    ]);
  });

  it("with answerWithCandidates sets the answer only together with the responder's candidates", async () => {
    const peer = new FakePeer(A_CANDIDATES);
    const rpc = new ScriptedRpc([
      () => ({ payload: ANSWER, id: "s2" }),
      () => ({ payload: B_CANDIDATES, id: undefined }),
    ]);
    await runInitiator({ rpc, peer, targetId: "B", answerWithCandidates: true });
    expect(peer.log).toEqual([
      "createOffer",
      "localCandidates",
      "acceptAnswer v=0 answer",
      "addRemoteCandidates 1",
    ]);
  });

  it("retries an unanswered initiate, as an original browser may not listen yet", async () => {
    const rpc = new ScriptedRpc([
      () => new RpcTimeoutError("initiate"),
      () => ({ payload: ANSWER, id: "s2" }),
      () => ({ payload: [], id: undefined }),
    ]);
    await runInitiator({ rpc, peer: new FakePeer([]), targetId: "B", attemptTimeoutsMs: [10, 20] });
    expect(rpc.sent.map((s) => [s.kind, s.timeoutMs])).toEqual([
      ["request initiate", 10],
      ["request initiate", 20],
      ["reply s2", 20_000],
    ]);
  });

  it.each([
    [
      "every attempt times out",
      [() => new RpcTimeoutError("a"), () => new RpcTimeoutError("b")],
      /did not answer the offer/,
    ],
    [
      "the server says the peer is gone",
      [() => ({ payload: { err: "notfound" }, id: undefined })],
      /no longer in the room/,
    ],
    ["the answer is not an answer", [() => ({ payload: OFFER, id: "s2" })], /invalid answer/],
    [
      "the answer asks for no candidates",
      [() => ({ payload: ANSWER, id: undefined })],
      /did not ask for a reply/,
    ],
    [
      "the candidates are malformed",
      [
        () => ({ payload: ANSWER, id: "s2" }),
        () => ({ payload: [{ candidate: 5 }], id: undefined }),
      ],
      /invalid candidate list/,
    ],
  ] as [string, Step[], RegExp][])("fails when %s", async (_, steps, message) => {
    const states: InitiatorState[] = [];
    const run = runInitiator({
      rpc: new ScriptedRpc(steps),
      peer: new FakePeer([]),
      targetId: "B",
      attemptTimeoutsMs: [10, 20],
      onState: (s) => states.push(s),
    });
    await expect(run).rejects.toThrow(message);
    expect(states.at(-1)).toBe("failed");
  });
});

describe("responder", () => {
  it("answers, takes the initiator's candidates and replies with its own", async () => {
    const peer = new FakePeer(B_CANDIDATES);
    const rpc = new ScriptedRpc([() => ({ payload: A_CANDIDATES, id: "s3" })]);
    const states: ResponderState[] = [];
    await runResponder({
      rpc,
      peer,
      requestId: "s1",
      offer: OFFER,
      onState: (s) => states.push(s),
    });
    expect(states).toEqual(["awaiting-candidates", "gathering", "done"]);
    expect(rpc.sent).toEqual([
      { kind: "reply s1", payload: ANSWER, timeoutMs: 20_000 },
      { kind: "reply s3", payload: B_CANDIDATES, timeoutMs: undefined },
    ]);
    expect(peer.log).toEqual(["acceptOffer v=0 offer", "addRemoteCandidates 1", "localCandidates"]);
  });

  it.each([
    ["a hostile offer", { type: "offer", sdp: 42 }, [], /invalid offer/],
    ["an oversized offer", { type: "offer", sdp: "x".repeat(40_000) }, [], /invalid offer/],
    [
      "no candidates in time",
      OFFER,
      [() => new RpcTimeoutError("reply")],
      /did not send its candidates/,
    ],
  ] as [string, unknown, Step[], RegExp][])(
    "fails cleanly on %s",
    async (_, offer, steps, message) => {
      const run = runResponder({
        rpc: new ScriptedRpc(steps),
        peer: new FakePeer([]),
        requestId: "s1",
        offer,
      });
      await expect(run).rejects.toThrow(message);
    },
  );

  it("turns the server's timeout for the candidates step into a KadError, never a raw rpc error", async () => {
    const run = runResponder({
      rpc: new ScriptedRpc([() => ({ payload: { err: "timeout" }, id: undefined })]),
      peer: new FakePeer([]),
      requestId: "s1",
      offer: OFFER,
    });
    await expect(run).rejects.toMatchObject({
      name: "KadError",
      code: "PEER_UNREACHABLE",
      message: "the peer did not send its candidates in time",
    });
  });

  it("says the other side left without leaking the server's reply code", async () => {
    const run = runResponder({
      rpc: new ScriptedRpc([() => ({ payload: { err: "peer-left" }, id: undefined })]),
      peer: new FakePeer([]),
      requestId: "s1",
      offer: OFFER,
    });
    await expect(run).rejects.toThrow(/^the other side is no longer in the room$/);
  });
});
