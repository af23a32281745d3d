import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_FRAME_BYTES } from "../../../src/protocol/limits.js";
import {
  type IncomingRequest,
  parseFrame,
  RpcClosedError,
  RpcEndpoint,
  RpcTimeoutError,
} from "../../../src/protocol/mop-rpc.js";

describe("parseFrame", () => {
  it.each([
    ["request", '{"type":"users","payload":{},"id":"a"}', { type: "users", payload: {}, id: "a" }],
    ["notification", '{"type":"users","payload":[]}', { type: "users", payload: [] }],
    ["reply", '{"replyId":"a","payload":{"err":null}}', { replyId: "a", payload: { err: null } }],
    [
      "chained reply",
      '{"replyId":"a","payload":1,"id":"b"}',
      { replyId: "a", payload: 1, id: "b" },
    ],
  ])("accepts a %s", (_, text, frame) => {
    expect(parseFrame(text)).toEqual({ ok: true, frame });
  });

  it.each([
    ["not JSON", "{nope", "not-json"],
    ["an array", "[1,2]", "not-object"],
    ["null", "null", "not-object"],
    ["a string", '"hi"', "not-object"],
    ["a numeric type", '{"type":5,"payload":1}', "bad-field"],
    ["no type and no replyId", '{"payload":1}', "bad-field"],
    ["a numeric id", '{"type":"x","payload":1,"id":7}', "bad-field"],
    ["an object replyId", '{"replyId":{},"payload":1}', "bad-field"],
    ["an over-long id", `{"type":"x","id":"${"i".repeat(200)}"}`, "bad-field"],
    ["an oversized frame", `{"type":"x","payload":"${"a".repeat(MAX_FRAME_BYTES)}"}`, "too-large"],
  ])("rejects %s", (_, text, error) => {
    expect(parseFrame(text)).toEqual({ ok: false, error });
  });
});

/** Two endpoints wired back to back, as over a socket. */
function pair() {
  const requestsA: IncomingRequest[] = [];
  const requestsB: IncomingRequest[] = [];
  const a: RpcEndpoint = new RpcEndpoint({
    send: (text) => queueMicrotask(() => b.receive(text)),
    onRequest: (r) => requestsA.push(r),
  });
  const b: RpcEndpoint = new RpcEndpoint({
    send: (text) => queueMicrotask(() => a.receive(text)),
    onRequest: (r) => requestsB.push(r),
  });
  return { a, b, requestsA, requestsB };
}

describe("RpcEndpoint", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("matches a reply to its request and chains replies to replies", async () => {
    const { a, b, requestsB } = pair();
    const first = a.request("initiate", { step: 1 });
    await vi.advanceTimersByTimeAsync(0);
    const incoming = requestsB[0];
    expect(incoming).toMatchObject({ type: "initiate", payload: { step: 1 } });
    const second = b.reply(incoming?.id ?? "", { step: 2 }, 20_000);
    const reply = await first;
    expect(reply.payload).toEqual({ step: 2 });
    a.reply(reply.id ?? "", { step: 3 });
    expect((await second).payload).toEqual({ step: 3 });
    expect(a.pendingCount + b.pendingCount).toBe(0);
  });

  it("rejects with a timeout and drops the late reply", async () => {
    const { a, requestsB, b } = pair();
    const waiting = a.request("users", {}, 1_000);
    const outcome = waiting.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_001);
    expect(await outcome).toBeInstanceOf(RpcTimeoutError);
    b.reply(requestsB[0]?.id ?? "", []);
    await vi.advanceTimersByTimeAsync(0);
    expect(a.pendingCount).toBe(0);
  });

  it("ignores replies to unknown ids and reports bad frames", () => {
    const bad: string[] = [];
    const endpoint = new RpcEndpoint({
      send: () => {},
      onRequest: () => {},
      onBadFrame: (e) => bad.push(e),
    });
    endpoint.receive('{"replyId":"nobody","payload":1}');
    endpoint.receive("garbage");
    expect(bad).toEqual(["not-json"]);
  });

  it("bounds pending replies and rejects everything on close", async () => {
    const endpoint = new RpcEndpoint({ send: () => {}, onRequest: () => {}, maxPending: 1 });
    const first = endpoint.request("x", null).catch((e: unknown) => e);
    await expect(endpoint.request("y", null)).rejects.toThrow(/too many pending/);
    endpoint.close();
    expect(await first).toBeInstanceOf(RpcClosedError);
  });
});
