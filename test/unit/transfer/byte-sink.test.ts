import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { MAX_QUEUED_BYTES } from "../../../src/engine/transfer-limits.js";
import { StreamSink } from "../../../src/transfer/byte-sink.js";

describe("ByteSink", () => {
  it("refuses to queue more than its bound when the output does not keep up", () => {
    const stalled = new Writable({ write() {} });
    const sink = new StreamSink(stalled);
    const chunk = new Uint8Array(1024 * 1024);
    for (let queued = 0; queued + chunk.length <= MAX_QUEUED_BYTES; queued += chunk.length)
      sink.push(chunk);
    expect(() => sink.push(chunk)).toThrow(/faster than the disk/);
  });

  it("writes everything in order and counts what was written", async () => {
    const parts: Buffer[] = [];
    const output = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        parts.push(chunk);
        setImmediate(callback);
      },
    });
    const sink = new StreamSink(output);
    const reports: number[] = [];
    sink.onWritten = (bytes) => reports.push(bytes);
    for (const text of ["ab", "cd", "ef"]) sink.push(new TextEncoder().encode(text));
    await sink.finish();
    expect(Buffer.concat(parts).toString()).toBe("abcdef");
    expect(sink.written).toBe(6);
    expect(reports.at(-1)).toBe(6);
  });
});
