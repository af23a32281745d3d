import { describe, expect, it } from "vitest";
import { CANDIDATES as A_CANDIDATES, ANSWER, OFFER, peerIdOf } from "./chain-helpers.js";
import { type Harness, uniqueRoom, useServer } from "./harness.js";
import type { ReceivedFrame, SignalingClient } from "./signaling-client.js";

const B_CANDIDATES = [
  { candidate: "candidate:2 1 UDP 1 127.0.0.1 6000 typ host", sdpMid: "0", sdpMLineIndex: 0 },
];

describe("the initiate chain", () => {
  let harness: Harness;

  it("relays all eight steps between two members", async () => {
    harness = await useServer();
    const [alice, bob] = (await harness.roomWith(uniqueRoom(), "alice", "bob")) as [
      SignalingClient,
      SignalingClient,
    ];
    const bobId = await peerIdOf(alice, "bob");
    const aliceId = await peerIdOf(bob, "alice");

    // 1. A -> S initiate
    alice.send({ type: "initiate", payload: { id: bobId, offerSDP: OFFER }, id: "a1" });
    // 2. S -> B initiate with the sender's id
    const step2 = await bob.next((f) => f.type === "initiate");
    expect(step2.payload).toEqual({ id: aliceId, offerSDP: OFFER });
    expect(typeof step2.id).toBe("string");
    // 3. B -> S answer, asking for a reply
    bob.send({ replyId: step2.id, payload: ANSWER, id: "b1" });
    // 4. S -> A answer
    const step4 = await alice.next((f) => f.replyId === "a1");
    expect(step4.payload).toEqual(ANSWER);
    expect(typeof step4.id).toBe("string");
    // 5. A -> S candidates
    alice.send({ replyId: step4.id, payload: A_CANDIDATES, id: "a2" });
    // 6. S -> B candidates
    const step6: ReceivedFrame = await bob.next((f) => f.replyId === "b1");
    expect(step6.payload).toEqual(A_CANDIDATES);
    // 7. B -> S candidates, no further reply wanted
    bob.send({ replyId: step6.id, payload: B_CANDIDATES });
    // 8. S -> A
    const step8 = await alice.next((f) => f.replyId === "a2");
    expect(step8).toEqual({ replyId: "a2", payload: B_CANDIDATES });
    expect(harness.server.metrics.value("kad_initiates_relayed_total")).toBe(1);
  });

  it("answers an initiate to an unknown peer with notfound", async () => {
    harness = await useServer();
    const [alice] = (await harness.roomWith(uniqueRoom(), "alice")) as [SignalingClient];
    const reply = await alice.request("initiate", { id: "nobody", offerSDP: OFFER });
    expect(reply.payload).toEqual({ err: "notfound" });
  });
});

describe("initiate chain edge cases", () => {
  async function pair() {
    const harness = await useServer();
    const [alice, bob] = (await harness.roomWith(uniqueRoom(), "alice", "bob")) as [
      SignalingClient,
      SignalingClient,
    ];
    return { harness, alice, bob, bobId: await peerIdOf(alice, "bob") };
  }

  it("answers notfound for an initiate to oneself or to a member of another room", async () => {
    const { harness, alice, bob, bobId } = await pair();
    const [stranger] = (await harness.roomWith(uniqueRoom(), "stranger")) as [SignalingClient];
    expect((await stranger.request("initiate", { id: bobId, offerSDP: OFFER })).payload).toEqual({
      err: "notfound",
    });
    const aliceId = await peerIdOf(bob, "alice");
    expect((await alice.request("initiate", { id: aliceId, offerSDP: OFFER })).payload).toEqual({
      err: "notfound",
    });
  });

  it("relays an error reply as is and ends the chain", async () => {
    const { alice, bob, bobId } = await pair();
    alice.send({ type: "initiate", payload: { id: bobId, offerSDP: OFFER }, id: "a1" });
    const step2 = await bob.next((f) => f.type === "initiate");
    bob.send({ replyId: step2.id, payload: { err: "declined" }, id: "b1" });
    expect(await alice.next((f) => f.replyId === "a1")).toEqual({
      replyId: "a1",
      payload: { err: "declined" },
    });
  });

  it("refuses a reply of the wrong shape for its step and tells the waiting peer", async () => {
    const { alice, bob, bobId } = await pair();
    alice.send({ type: "initiate", payload: { id: bobId, offerSDP: OFFER }, id: "a1" });
    const step2 = await bob.next((f) => f.type === "initiate");
    bob.send({ replyId: step2.id, payload: A_CANDIDATES, id: "b1" });
    expect(await alice.next((f) => f.replyId === "a1")).toEqual({
      replyId: "a1",
      payload: { err: "invalid" },
    });
    alice.send({ type: "initiate", payload: { id: bobId, offerSDP: OFFER }, id: "a2" });
    const again = await bob.next((f) => f.type === "initiate");
    bob.send({ replyId: again.id, payload: ANSWER, id: "b2" });
    const step4 = await alice.next((f) => f.replyId === "a2");
    alice.send({ replyId: step4.id, payload: [{ candidate: 5 }], id: "a3" });
    expect(await bob.next((f) => f.replyId === "b2")).toEqual({
      replyId: "b2",
      payload: { err: "invalid" },
    });
  });

  it("tells the waiting peer at once when the other one leaves mid-chain", async () => {
    const { alice, bob, bobId } = await pair();
    alice.send({ type: "initiate", payload: { id: bobId, offerSDP: OFFER }, id: "a1" });
    await bob.next((f) => f.type === "initiate");
    await bob.close();
    expect(await alice.next((f) => f.replyId === "a1")).toEqual({
      replyId: "a1",
      payload: { err: "peer-left" },
    });
  });

  it("relays a notification initiate (no id) without bookkeeping", async () => {
    const { alice, bob, bobId } = await pair();
    alice.send({ type: "initiate", payload: { id: bobId, offerSDP: OFFER } });
    const step2 = await bob.next((f) => f.type === "initiate");
    expect(step2.id).toBeUndefined();
  });

  it("runs many chains at once between the same pair", async () => {
    const { alice, bob, bobId } = await pair();
    const chains = Array.from({ length: 5 }, async (_, i) => {
      alice.send({
        type: "initiate",
        payload: { id: bobId, offerSDP: { type: "offer", sdp: `sdp-${i}` } },
        id: `a${i}`,
      });
      const step2 = await bob.next(
        (f) =>
          f.type === "initiate" &&
          (f.payload as { offerSDP: { sdp: string } }).offerSDP.sdp === `sdp-${i}`,
      );
      bob.send({ replyId: step2.id, payload: { type: "answer", sdp: `answer-${i}` } });
      return alice.next((f) => f.replyId === `a${i}`);
    });
    const replies = await Promise.all(chains);
    expect(replies.map((r) => (r.payload as { sdp: string }).sdp)).toEqual([
      "answer-0",
      "answer-1",
      "answer-2",
      "answer-3",
      "answer-4",
    ]);
  });
});
