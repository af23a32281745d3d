/** Lanes in the engine: the sender's StripedChannel and the receiver's LaneMerger, driven with fakes. */
import { describe, expect, it } from "vitest";
import { LaneMerger, type LaneOffer, MAX_HELD_MESSAGES } from "../../../src/engine/lane-merger.js";
import type { ChannelMessage, MeasuredChannel } from "../../../src/engine/ports.js";
import { StripedChannel } from "../../../src/engine/striped-channel.js";
import { MAX_QUEUED_BYTES } from "../../../src/engine/transfer-limits.js";
import type { KadError } from "../../../src/util/errors.js";
import { FakeChannel } from "./fakes.js";

/** A channel whose queued bytes the test sets, as a lane's send buffer would fill. */
class MeasuredFake extends FakeChannel implements MeasuredChannel {
  bufferedAmount = 0;
  isOpen = true;
}

const laneOffer = (lane: number) =>
  JSON.stringify({
    kad: "lane",
    lane,
    offer: { type: "offer", sdp: "v=0" },
    candidates: [],
  });
const stripe = (lane: number, bytes: number) => JSON.stringify({ kad: "stripe", lane, bytes });

function merger(maxLanes = 3, verified = true) {
  const delivered: ChannelMessage[] = [];
  const offers: LaneOffer[] = [];
  const failures: KadError[] = [];
  const lanes = new LaneMerger(
    {
      deliver: (message) => delivered.push(message),
      laneOffered: (offer) => offers.push(offer),
      fail: (error) => failures.push(error),
    },
    maxLanes,
  );
  if (verified) lanes.markVerified();
  return { lanes, delivered, offers, failures };
}

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("LaneMerger (receiver)", () => {
  it("passes share-channel messages through unchanged while no stripe waits", () => {
    const { lanes, delivered } = merger();
    lanes.handleShare('{"name":"a","size":2,"type":""}');
    lanes.handleShare(bytes(1, 2));
    expect(delivered).toEqual(['{"name":"a","size":2,"type":""}', bytes(1, 2)]);
  });

  it("puts a stripe's bytes in its marker's place, holding what follows until they came", () => {
    const { lanes, delivered, offers } = merger();
    lanes.handleShare(laneOffer(1));
    expect(offers.map((o) => o.lane)).toEqual([1]);
    lanes.handleShare(bytes(1));
    lanes.handleShare(stripe(1, 3));
    lanes.handleShare(bytes(5));
    lanes.handleShare('{"kad":"eof"}');
    expect(delivered).toEqual([bytes(1)]);
    lanes.handleLane(1, bytes(2, 3));
    expect(delivered).toEqual([bytes(1), bytes(2, 3)]);
    lanes.handleLane(1, bytes(4));
    expect(delivered).toEqual([bytes(1), bytes(2, 3), bytes(4), bytes(5), '{"kad":"eof"}']);
  });

  it("takes lane bytes that came before their marker", () => {
    const { lanes, delivered } = merger();
    lanes.handleShare(laneOffer(2));
    lanes.handleLane(2, bytes(7, 8));
    expect(delivered).toEqual([]);
    lanes.handleShare(stripe(2, 2));
    expect(delivered).toEqual([bytes(7, 8)]);
  });

  it("refuses lane offers before the code was proved, beyond the agreed count, or twice", () => {
    const early = merger(3, false);
    early.lanes.handleShare(laneOffer(1));
    expect(early.failures[0]?.message).toMatch(/without proving the code/);
    const beyond = merger(1);
    beyond.lanes.handleShare(laneOffer(2));
    expect(beyond.failures[0]?.message).toMatch(/not agreed/);
    const twice = merger();
    twice.lanes.handleShare(laneOffer(1));
    twice.lanes.handleShare(laneOffer(1));
    expect(twice.failures[0]?.message).toMatch(/not agreed/);
    const none = merger(0);
    none.lanes.handleShare(laneOffer(1));
    expect(none.failures).toHaveLength(1);
  });

  it("fails on a stripe for a lane never offered, bytes on an unknown lane, or text on a lane", () => {
    const unknown = merger();
    unknown.lanes.handleShare(stripe(1, 1));
    expect(unknown.failures[0]?.code).toBe("PROTOCOL");
    const stray = merger();
    stray.lanes.handleLane(3, bytes(1));
    expect(stray.failures).toHaveLength(1);
    const text = merger();
    text.lanes.handleShare(laneOffer(1));
    text.lanes.handleLane(1, "hello");
    expect(text.failures).toHaveLength(1);
  });

  it("fails when a lane's chunk overruns its stripe", () => {
    const { lanes, failures, delivered } = merger();
    lanes.handleShare(laneOffer(1));
    lanes.handleShare(stripe(1, 2));
    lanes.handleLane(1, bytes(1, 2, 3));
    expect(failures[0]?.message).toMatch(/more bytes than its stripe/);
    expect(delivered).toEqual([]);
  });

  it("fails when a lane closes before a stripe that needs it is complete, not otherwise", () => {
    const needed = merger();
    needed.lanes.handleShare(laneOffer(1));
    needed.lanes.handleShare(stripe(1, 2));
    needed.lanes.handleLane(1, bytes(1));
    needed.lanes.laneClosed(1);
    expect(needed.failures[0]).toMatchObject({ code: "PEER_LEFT", message: /closed mid-file/ });
    const done = merger();
    done.lanes.handleShare(laneOffer(1));
    done.lanes.handleLane(1, bytes(1));
    done.lanes.handleShare(stripe(1, 1));
    done.lanes.laneClosed(1);
    expect(done.failures).toEqual([]);
  });

  it("bounds what it holds: bytes ahead of their marker, and messages behind a waiting stripe", () => {
    const flood = merger();
    flood.lanes.handleShare(laneOffer(1));
    const chunk = new Uint8Array(1024 * 1024);
    for (let queued = 0; queued <= MAX_QUEUED_BYTES; queued += chunk.length) {
      flood.lanes.handleLane(1, chunk);
    }
    expect(flood.failures[0]?.message).toMatch(/too much ahead/);
    const behind = merger();
    behind.lanes.handleShare(laneOffer(1));
    behind.lanes.handleShare(stripe(1, 1));
    for (let i = 0; i <= MAX_HELD_MESSAGES; i++) behind.lanes.handleShare("{}");
    expect(behind.failures).toHaveLength(1);
  });

  it("fails once: later messages are dropped", () => {
    const { lanes, failures, delivered } = merger();
    lanes.handleShare(stripe(1, 1));
    lanes.handleShare(bytes(1));
    lanes.handleShare(stripe(2, 1));
    expect(failures).toHaveLength(1);
    expect(delivered).toEqual([]);
  });
});

describe("StripedChannel (sender)", () => {
  it("sends everything on the share channel while no lane is open", async () => {
    const main = new MeasuredFake();
    const striped = new StripedChannel(main, 4);
    await striped.sendBinary(bytes(1, 2));
    await striped.sendBinary(bytes(3, 4));
    await striped.sendBinary(bytes(5));
    striped.sendText("eof");
    expect(main.sent).toEqual([bytes(1, 2), bytes(3, 4), bytes(5), "eof"]);
  });

  it("puts the next stripe on the least-queued lane and announces it once complete", async () => {
    const main = new MeasuredFake();
    const lane = new MeasuredFake();
    const striped = new StripedChannel(main, 4);
    striped.addLane(1, lane);
    main.bufferedAmount = 10;
    await striped.sendBinary(bytes(1, 2));
    await striped.sendBinary(bytes(3, 4));
    expect(lane.sent).toEqual([bytes(1, 2), bytes(3, 4)]);
    expect(main.sent).toEqual([]);
    lane.bufferedAmount = 20;
    await striped.sendBinary(bytes(5));
    expect(main.sent).toEqual([stripe(1, 4), bytes(5)]);
    lane.bufferedAmount = 0;
    striped.sendText("eof");
    expect(main.sent).toEqual([stripe(1, 4), bytes(5), "eof"]);
    expect([...striped.bytesPerLane]).toEqual([
      [1, 4],
      [0, 1],
    ]);
  });

  it("announces a stripe before any text, so an eof never overtakes its bytes", async () => {
    const main = new MeasuredFake();
    const lane = new MeasuredFake();
    const striped = new StripedChannel(main, 1024);
    striped.addLane(1, lane);
    main.bufferedAmount = 1;
    await striped.sendBinary(bytes(9));
    striped.sendText("eof");
    expect(main.sent).toEqual([stripe(1, 1), "eof"]);
  });

  it("takes turns when every channel is empty (the sender, not the connection, is the bottleneck)", async () => {
    const main = new MeasuredFake();
    const lane = new MeasuredFake();
    const striped = new StripedChannel(main, 1);
    striped.addLane(1, lane);
    for (const value of [1, 2, 3, 4]) await striped.sendBinary(bytes(value));
    striped.sendText("eof");
    expect(lane.sent).toEqual([bytes(1), bytes(3)]);
    expect(main.sent).toEqual([stripe(1, 1), bytes(2), stripe(1, 1), bytes(4), "eof"]);
  });

  it("skips a lane that closed", async () => {
    const main = new MeasuredFake();
    const lane = new MeasuredFake();
    lane.isOpen = false;
    const striped = new StripedChannel(main, 4);
    striped.addLane(1, lane);
    main.bufferedAmount = 99;
    await striped.sendBinary(bytes(1));
    expect(main.sent).toEqual([bytes(1)]);
  });

  it("round trip: whatever order lanes deliver in, the merger yields the sent bytes in order", async () => {
    const main = new MeasuredFake();
    const laneChannels = [1, 2, 3].map(() => new MeasuredFake());
    const striped = new StripedChannel(main, 8);
    for (const [index, channel] of laneChannels.entries()) striped.addLane(index + 1, channel);
    const sent: number[] = [];
    let seed = 1;
    const queued = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % 1000;
    };
    for (let i = 0; i < 200; i++) {
      // Queues change as if the lanes drained at different speeds.
      main.bufferedAmount = queued();
      for (const channel of laneChannels) channel.bufferedAmount = queued();
      const chunk = bytes(i % 256, (i * 3) % 256);
      sent.push(...chunk);
      await striped.sendBinary(chunk);
    }
    striped.sendText("eof");
    const { lanes, delivered, failures } = merger();
    for (const lane of [1, 2, 3]) lanes.handleShare(laneOffer(lane));
    // Each lane's bytes arrive all at once, lane 3 first, after the share channel's.
    for (const message of main.sent) lanes.handleShare(message);
    for (const lane of [3, 1, 2]) {
      for (const chunk of laneChannels[lane - 1]?.sent ?? []) lanes.handleLane(lane, chunk);
    }
    expect(failures).toEqual([]);
    expect(delivered.at(-1)).toBe("eof");
    const received = delivered.filter((m): m is Uint8Array => m instanceof Uint8Array);
    expect(Buffer.concat(received)).toEqual(Buffer.from(sent));
    expect(laneChannels.every((channel) => channel.sent.length > 0)).toBe(true);
  });
});
