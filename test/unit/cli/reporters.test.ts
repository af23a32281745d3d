import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { formatBytes, RateMeter } from "../../../src/cli/output/format.js";
import { JsonReporter } from "../../../src/cli/output/json-reporter.js";
import { PlainReporter } from "../../../src/cli/output/plain-reporter.js";
import { Throttle } from "../../../src/cli/output/reporter.js";
import { KadError } from "../../../src/util/errors.js";

function capture() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream, text: () => text };
}

describe("JsonReporter", () => {
  it("prints one event a line, hides status, throttles progress per file, adds the error event", () => {
    const out = capture();
    const reporter = new JsonReporter(out.stream, () => 1_000);
    reporter.event({ event: "status", message: "waiting" });
    reporter.event({ event: "file", name: "a", size: 10, index: 0, count: 1 });
    for (let bytes = 1; bytes <= 10; bytes++)
      reporter.event({ event: "progress", name: "a", bytes, total: 10 });
    reporter.event({ event: "progress", name: "b", bytes: 1, total: 2 });
    reporter.failed(new KadError("PEER_LEFT", "gone"));
    const lines = out
      .text()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { event: "file", name: "a", size: 10, index: 0, count: 1 },
      { event: "progress", name: "a", bytes: 1, total: 10 },
      { event: "progress", name: "b", bytes: 1, total: 2 },
      { event: "error", code: "PEER_LEFT", message: "gone" },
    ]);
  });
});

describe("JsonReporter batching", () => {
  it("writes the lines of one turn of the event loop at once, and everything by close()", async () => {
    const writes: string[] = [];
    const out = new PassThrough();
    out.on("data", (chunk: Buffer) => writes.push(chunk.toString()));
    const reporter = new JsonReporter(out);
    reporter.event({ event: "file", name: "a", size: 1, index: 0, count: 2 });
    reporter.event({ event: "file-done", name: "a", size: 1, sha256: "00" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);
    expect(writes[0]?.trim().split("\n")).toHaveLength(2);
    reporter.event({ event: "done", files: 2, bytes: 2 });
    reporter.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(2);
    expect(JSON.parse(writes[1] ?? "")).toEqual({ event: "done", files: 2, bytes: 2 });
  });
});

describe("PlainReporter", () => {
  it("says when a file continues a partial already here", () => {
    const out = capture();
    const reporter = new PlainReporter(out.stream);
    reporter.event({ event: "file", name: "a", size: 4_000_000, index: 0, count: 1, offset: 0 });
    reporter.event({
      event: "file",
      name: "b",
      size: 4_000_000,
      index: 1,
      count: 2,
      offset: 1_500_000,
    });
    expect(out.text()).toBe("a (4.0 MB)\nb (4.0 MB, resuming after the 1.5 MB already here)\n");
  });

  it("tells a person what happens, in plain lines", () => {
    const out = capture();
    const reporter = new PlainReporter(out.stream);
    reporter.event({
      event: "code",
      code: "7-a-b-c",
      url: "http://x/#/7-a-b-c",
      command: "kad receive 7-a-b-c",
      server: "http://x",
    });
    reporter.event({ event: "file", name: "a.bin", size: 2_500_000, index: 0, count: 1 });
    reporter.event({
      event: "file-done",
      name: "a.bin",
      size: 2_500_000,
      sha256: "ab",
      path: "/tmp/a.bin",
    });
    reporter.event({ event: "done", files: 1, bytes: 2_500_000 });
    expect(out.text()).toBe(
      [
        "code: 7-a-b-c",
        "on the other machine run: kad receive 7-a-b-c",
        "or open: http://x/#/7-a-b-c",
        "a.bin (2.5 MB)",
        "  a.bin: done, 2.5 MB, sha256 ab, saved as /tmp/a.bin",
        "done: 1 file, 2.5 MB",
        "",
      ].join("\n"),
    );
  });
});

describe("formatting", () => {
  it.each([
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1.0 kB"],
    [1_234_567, "1.2 MB"],
    [45_000_000_000, "45 GB"],
  ])("formatBytes(%d) = %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it("measures a rate over its window and throttles by key", () => {
    const meter = new RateMeter(3000);
    meter.update(0, 0);
    expect(meter.update(1_000_000, 1000)).toBe(1_000_000);
    const throttle = new Throttle(250);
    expect([
      throttle.allow("a", 0),
      throttle.allow("a", 100),
      throttle.allow("b", 100),
      throttle.allow("a", 300),
    ]).toEqual([true, false, true, true]);
  });
});
