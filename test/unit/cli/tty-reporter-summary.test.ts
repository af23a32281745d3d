import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { formatDuration } from "../../../src/cli/output/format.js";
import { TtyReporter, whereSaved } from "../../../src/cli/output/tty-reporter.js";

describe("TTY receiver summary", () => {
  it("ends by saying where the files went", () => {
    const stream = new PassThrough();
    let text = "";
    stream.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    const reporter = new TtyReporter(stream, "receive");
    for (const name of ["a.txt", "d/b.txt"]) {
      reporter.event({ event: "file", name, size: 1, index: 0, count: null });
      const path = `/home/me/in/${name}`;
      reporter.event({ event: "file-done", name, size: 1, sha256: "aa", path });
    }
    reporter.event({ event: "done", files: 2, bytes: 2 });
    expect(text).toContain("received 2 files, 2 B, saved in /home/me/in\n");
  });

  it("names one file, several files' common directory, or stdout", () => {
    expect(whereSaved(["/out/x.bin"])).toBe(", saved as /out/x.bin");
    expect(whereSaved(["/out/a/1", "/out/b/2", "/out/3"])).toBe(", saved in /out");
    expect(whereSaved(["/out/ab/1", "/out/abc/2"])).toBe(", saved in /out");
    expect(whereSaved(["-"])).toBe(", written to stdout");
    expect(whereSaved([])).toBe("");
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [42.4, "42s"],
    [185, "3m 05s"],
    [3600, "1h 00m"],
    [7_650, "2h 07m"],
  ])("%d s reads %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
