/** The page's adapters to the engine's ports, with fakes: backpressure, bounded queue, open failures. */
import { describe, expect, it } from "vitest";
import { HIGH_WATER_BYTES, MAX_QUEUED_BYTES } from "../../../src/engine/transfer-limits.js";
import { BlobByteSink } from "../../../src/web/blob-byte-sink.js";
import { MemorySink, type ReceiveSink } from "../../../src/web/receive-sink.js";
import { rtcOutgoingChannel } from "../../../src/web/rtc-outgoing-channel.js";

class FakeChannel extends EventTarget {
  readyState: RTCDataChannelState = "open";
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  send(data: string | Uint8Array): void {
    this.bufferedAmount += typeof data === "string" ? data.length : data.byteLength;
  }
}

const pc = { sctp: { maxMessageSize: 262_144 } } as unknown as RTCPeerConnection;
/** Where `promise` stands once pending callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<string> {
  const state = promise.then(
    () => "settled",
    () => "rejected",
  );
  await new Promise((resolve) => setTimeout(resolve, 0));
  return Promise.race([state, Promise.resolve("pending")]);
}

describe("rtcOutgoingChannel", () => {
  it("waits above the high-water mark until the buffer drains, and fails once closed", async () => {
    const fake = new FakeChannel();
    const channel = rtcOutgoingChannel(fake as unknown as RTCDataChannel, pc);
    expect(channel.maxMessageSize).toBe(262_144);
    const over = channel.sendBinary(new Uint8Array(HIGH_WATER_BYTES + 1));
    expect(await settled(over)).toBe("pending");
    fake.bufferedAmount = 0;
    fake.dispatchEvent(new Event("bufferedamountlow"));
    expect(await settled(over)).toBe("settled");
    const stuck = channel.sendBinary(new Uint8Array(HIGH_WATER_BYTES + 1));
    fake.readyState = "closed";
    fake.dispatchEvent(new Event("close"));
    await expect(stuck).rejects.toMatchObject({ code: "PEER_LEFT" });
    expect(await channel.closedWithin(10)).toBe(true);
  });
});

describe("BlobByteSink", () => {
  it("stores in order and hands over the Blob once finished", async () => {
    const sink = new BlobByteSink(Promise.resolve(new MemorySink()));
    const written: number[] = [];
    sink.onWritten = (total) => written.push(total);
    sink.push(Uint8Array.of(1, 2));
    sink.push(Uint8Array.of(3));
    await sink.finish();
    const blob = await sink.commit();
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(Uint8Array.of(1, 2, 3));
    expect(blob.type).toBe("application/octet-stream");
    expect(written).toEqual([2, 3]);
  });

  it("refuses chunks past its queue bound while the storage has not opened", () => {
    const sink = new BlobByteSink(new Promise<ReceiveSink>(() => undefined));
    const chunk = new Uint8Array(1024 * 1024);
    for (let queued = 0; queued + chunk.length <= MAX_QUEUED_BYTES; queued += chunk.length) {
      sink.push(chunk);
    }
    expect(() => sink.push(chunk)).toThrow(/faster than this page can store/);
  });

  it("reports storage that cannot open as a DISK failure", async () => {
    const sink = new BlobByteSink(Promise.reject(new Error("quota exceeded")));
    await expect(sink.ready()).rejects.toMatchObject({ code: "DISK" });
    expect(() => sink.push(Uint8Array.of(1))).toThrow(/quota exceeded/);
  });
});
