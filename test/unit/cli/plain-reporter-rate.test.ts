import { PassThrough } from "node:stream";
import { expect, it } from "vitest";
import { formatBytes } from "../../../src/cli/output/format.js";
import { PlainReporter } from "../../../src/cli/output/plain-reporter.js";

function lines(run: (reporter: PlainReporter, clock: { t: number }) => void): string[] {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  const clock = { t: 0 };
  run(new PlainReporter(stream, () => clock.t), clock);
  return text.split("\n").filter(Boolean);
}

it("measures each file's rate on its own, from the file's start, in rounded units", () => {
  const out = lines((reporter, clock) => {
    reporter.event({ event: "file", name: "a.bin", size: 300_000_000, index: 0, count: 2 });
    clock.t = 1_000;
    reporter.event({ event: "progress", name: "a.bin", bytes: 100_000_000, total: 300_000_000 });
    clock.t = 3_000;
    reporter.event({ event: "progress", name: "a.bin", bytes: 300_000_000, total: 300_000_000 });
    reporter.event({ event: "file-done", name: "a.bin", size: 300_000_000, sha256: "aa" });
    reporter.event({ event: "file", name: "small.txt", size: 6, index: 1, count: 2 });
    clock.t = 3_189;
    reporter.event({ event: "progress", name: "small.txt", bytes: 6, total: 6 });
  });
  expect(out).toEqual([
    "a.bin (300 MB)",
    "  a.bin: 33% 100 MB at 100 MB/s",
    "  a.bin: 100% 300 MB at 100 MB/s",
    "  a.bin: done, 300 MB, sha256 aa",
    "small.txt (6 B)",
    "  small.txt: 100% 6 B at 32 B/s",
  ]);
});

it("leaves the rate out until there is one, and says stdout for -o -", () => {
  const out = lines((reporter) => {
    reporter.event({ event: "file", name: "stdin", size: null, index: 0, count: null });
    reporter.event({ event: "progress", name: "stdin", bytes: 65_536, total: null });
    reporter.event({ event: "file-done", name: "stdin", size: 65_536, sha256: "bb", path: "-" });
  });
  expect(out).toEqual([
    "stdin (stream)",
    "  stdin: 66 kB",
    "  stdin: done, 66 kB, sha256 bb, written to stdout",
  ]);
});

it("rounds byte counts under a kilobyte", () => {
  expect(formatBytes(346.7195767)).toBe("347 B");
  expect(formatBytes(0.4)).toBe("0 B");
});
