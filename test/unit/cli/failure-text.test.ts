import { describe, expect, it } from "vitest";
import { kadErrorText, unexpectedErrorText } from "../../../src/cli/output/failure-text.js";
import { printable, type Reporter } from "../../../src/cli/output/reporter.js";
import type { SessionEvent } from "../../../src/session/events.js";
import { KadError } from "../../../src/util/errors.js";

const FAKE_LINE = "\u001b]0;owned\u0007\n✔ received, SHA-256 verified\u202e";
const ESCAPED = "\\x1b]0;owned\\x07\\n✔ received, SHA-256 verified\\u202e";

describe("failure text", () => {
  it("escapes a peer's words in the message and hint, one line each", () => {
    const text = kadErrorText(
      new KadError("PROTOCOL", `the peer refused: ${FAKE_LINE}`, { hint: FAKE_LINE }),
    );
    expect(text).toBe(`kad: the peer refused: ${ESCAPED}\n  ${ESCAPED}\n`);
  });

  it("keeps a stack's frames as lines but escapes its message as one line", () => {
    const text = unexpectedErrorText(new TypeError(FAKE_LINE));
    const lines = text.split("\n");
    expect(lines[1]).toBe(`TypeError: ${ESCAPED}`);
    expect(lines[2]).toMatch(/^ {4}at /);
    expect(lines.some((line) => line.startsWith("✔"))).toBe(false);
    expect(unexpectedErrorText(FAKE_LINE)).toBe(
      `kad: unexpected error, please report it:\n${ESCAPED}\n`,
    );
  });
});

describe("printable", () => {
  it("escapes every string of every event before the reporter sees it", () => {
    const seen: SessionEvent[] = [];
    const inner: Reporter = { event: (event) => seen.push(event), failed() {}, close() {} };
    const reporter = printable(inner);
    reporter.event({ event: "peer", name: FAKE_LINE });
    reporter.event({ event: "file", name: FAKE_LINE, size: 1, index: 0, count: null });
    reporter.event({ event: "warning", message: FAKE_LINE });
    reporter.event({ event: "skipped", path: FAKE_LINE, reason: FAKE_LINE });
    expect(seen).toEqual([
      { event: "peer", name: ESCAPED },
      { event: "file", name: ESCAPED, size: 1, index: 0, count: null },
      { event: "warning", message: ESCAPED },
      { event: "skipped", path: ESCAPED, reason: ESCAPED },
    ]);
  });
});
