/** Anything from the network is hostile: malformed, oversized and flooding frames. */
import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock.js";
import { type Harness, uniqueRoom, useServer } from "./harness.js";
import type { SignalingClient } from "./signaling-client.js";

/** Proves the server still serves a fresh client end to end. */
async function stillServes(harness: Harness): Promise<void> {
  const [alice] = (await harness.roomWith(uniqueRoom("alive"), "alice")) as [SignalingClient];
  expect((await alice.request("users", {})).payload).toEqual([]);
}

describe("hostile frames", () => {
  it.each([
    ["non-JSON text", "{not json"],
    ["a JSON array", "[1,2,3]"],
    ["a JSON number", "42"],
    ["JSON null", "null"],
    ["a numeric type", JSON.stringify({ type: 5, payload: {} })],
    ["an object id", JSON.stringify({ type: "users", payload: {}, id: { a: 1 } })],
    ["an overlong id", JSON.stringify({ type: "users", payload: {}, id: "x".repeat(200) })],
    ["a numeric replyId", JSON.stringify({ replyId: 7, payload: {} })],
    ["an empty type", JSON.stringify({ type: "", payload: {} })],
  ])("ignores %s, and closes the socket once they pile up", async (_what, text) => {
    const harness = await useServer({ limits: { maxBadFrames: 3 } });
    const [client] = (await harness.roomWith(uniqueRoom(), "mallory")) as [SignalingClient];
    for (let i = 0; i < 3; i += 1) client.sendRaw(text);
    expect((await client.request("users", {})).payload).toEqual([]);
    client.sendRaw(text);
    expect(await client.closed).toBe(1008);
    expect(client.closeReason).toBe("too many malformed frames");
    await stillServes(harness);
  });

  it("ignores binary frames and counts them as malformed", async () => {
    const harness = await useServer({ limits: { maxBadFrames: 1 } });
    const client = await harness.open();
    client.sendRaw(Buffer.from('{"type":"connect"}'));
    client.sendRaw(Buffer.from([0, 1, 2]));
    expect(await client.closed).toBe(1008);
    expect(harness.server.metrics.value("kad_frames_rejected_total", { reason: "binary" })).toBe(2);
    await stillServes(harness);
  });

  it("drops unknown types and replies to unknown ids quietly, as the original did", async () => {
    const harness = await useServer({ limits: { maxBadFrames: 1 } });
    const [client] = (await harness.roomWith(uniqueRoom(), "alice")) as [SignalingClient];
    for (let i = 0; i < 5; i += 1) {
      client.send({ type: "kad-future-extension", payload: {}, id: `x${i}` });
      client.send({ replyId: `never-asked-${i}`, payload: { type: "answer", sdp: "" } });
    }
    expect((await client.request("users", {})).payload).toEqual([]);
    expect(client.frames).toEqual([]);
    expect(client.closeCode).toBeUndefined();
  });

  it("closes a socket that sends a frame over 64 KiB with 1009", async () => {
    const harness = await useServer();
    const [client] = (await harness.roomWith(uniqueRoom(), "alice")) as [SignalingClient];
    client.send({ type: "users", payload: "x".repeat(64 * 1024), id: "big" });
    expect(await client.closed).toBe(1009);
    await stillServes(harness);
  });

  it("accepts a frame just under the limit (a large real SDP fits)", async () => {
    const harness = await useServer();
    const [client] = (await harness.roomWith(uniqueRoom(), "alice")) as [SignalingClient];
    const reply = await client.request("users", { padding: "x".repeat(60 * 1024) });
    expect(reply.payload).toEqual([]);
  });

  it("closes a flooding socket with 1008 and keeps serving the others", async () => {
    const clock = new FakeClock();
    const harness = await useServer({ clock, limits: { framesPerSecond: 5, frameBurst: 10 } });
    const [calm] = (await harness.roomWith(uniqueRoom(), "calm")) as [SignalingClient];
    const flooder = await harness.open();
    for (let i = 0; i < 50; i += 1) flooder.send({ type: "users", payload: {}, id: `f${i}` });
    expect(await flooder.closed).toBe(1008);
    expect(flooder.closeReason).toBe("too many messages");
    expect((await calm.request("users", {})).payload).toEqual([]);
  });

  it("lets a steady client send more than the burst over time", async () => {
    const clock = new FakeClock();
    const harness = await useServer({ clock, limits: { framesPerSecond: 5, frameBurst: 5 } });
    const [client] = (await harness.roomWith(uniqueRoom(), "steady")) as [SignalingClient];
    for (let i = 0; i < 20; i += 1) {
      clock.advance(200);
      expect((await client.request("users", {})).payload).toEqual([]);
    }
  });

  it("answers an initiate with a malformed payload with {err: invalid}", async () => {
    const harness = await useServer();
    const [alice] = (await harness.roomWith(uniqueRoom(), "alice")) as [SignalingClient];
    for (const payload of [
      null,
      {},
      { id: "x" },
      { id: "x", offerSDP: { type: "answer", sdp: "" } },
      { id: 5, offerSDP: { type: "offer", sdp: "" } },
    ]) {
      expect((await alice.request("initiate", payload)).payload).toEqual({ err: "invalid" });
    }
  });
});

describe("payload hygiene", () => {
  it("survives deeply nested JSON in every kind of frame", async () => {
    const harness = await useServer();
    const [alice, bob] = (await harness.roomWith(uniqueRoom(), "alice", "bob")) as [
      SignalingClient,
      SignalingClient,
    ];
    const deep = `${"[".repeat(30_000)}${"]".repeat(30_000)}`;
    alice.sendRaw(`{"type":"users","payload":${deep},"id":"d1"}`);
    alice.sendRaw(`{"type":"kad-x","payload":${deep}}`);
    alice.sendRaw(`{"type":"initiate","payload":{"id":"x","offerSDP":${deep}},"id":"d2"}`);
    expect((await alice.next((f) => f.replyId === "d2")).payload).toEqual({ err: "invalid" });
    const bobId = (await alice.next((f) => f.replyId === "d1")).payload as Array<{ id: string }>;
    alice.send({
      type: "initiate",
      payload: { id: bobId[0]?.id, offerSDP: { type: "offer", sdp: "o" } },
      id: "a1",
    });
    const step2 = await bob.next((f) => f.type === "initiate");
    bob.sendRaw(`{"replyId":"${step2.id}","payload":{"type":"answer","sdp":"s","extra":${deep}}}`);
    expect(await alice.next((f) => f.replyId === "a1")).toEqual({
      replyId: "a1",
      payload: { type: "answer", sdp: "s" },
    });
    await stillServes(harness);
  });

  it("passes on only the validated fields of a reply", async () => {
    const harness = await useServer();
    const [alice, bob] = (await harness.roomWith(uniqueRoom(), "alice", "bob")) as [
      SignalingClient,
      SignalingClient,
    ];
    const users = (await alice.request("users", {})).payload as Array<{ id: string }>;
    alice.send({
      type: "initiate",
      payload: { id: users[0]?.id, offerSDP: { type: "offer", sdp: "o", evil: 1 } },
      id: "a1",
    });
    const step2 = await bob.next((f) => f.type === "initiate");
    expect((step2.payload as { offerSDP: unknown }).offerSDP).toEqual({ type: "offer", sdp: "o" });
    bob.send({ replyId: step2.id, payload: { err: "declined", note: "x".repeat(100) } });
    expect((await alice.next((f) => f.replyId === "a1")).payload).toEqual({ err: "declined" });
  });
});
