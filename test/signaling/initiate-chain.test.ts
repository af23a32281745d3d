import { describe, expect, it } from "vitest";
import { type Harness, uniqueRoom, useServer } from "./harness.js";
import type { ReceivedFrame, SignalingClient } from "./signaling-client.js";

const OFFER = { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" };
const ANSWER = { type: "answer", sdp: "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n" };
const A_CANDIDATES = [
  { candidate: "candidate:1 1 UDP 1 127.0.0.1 5000 typ host", sdpMid: "0", sdpMLineIndex: 0 },
];
const B_CANDIDATES = [
  { candidate: "candidate:2 1 UDP 1 127.0.0.1 6000 typ host", sdpMid: "0", sdpMLineIndex: 0 },
];

async function peerIdOf(observer: SignalingClient, name: string): Promise<string> {
  const reply = await observer.request("users", {});
  const member = (reply.payload as Array<{ id: string; name: string }>).find(
    (m) => m.name === name,
  );
  if (!member) throw new Error(`${name} is not listed`);
  return member.id;
}

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
