import { describe, expect, it } from "vitest";
import { jsonLine, terminalSafe } from "../../../src/util/terminal-safe.js";

describe("terminalSafe", () => {
  it.each([
    ["plain text stays", "report.pdf", "report.pdf"],
    ["unicode stays", "Grüße 🎉 日本", "Grüße 🎉 日本"],
    ["backslash stays", "C:\\x", "C:\\x"],
    ["OSC 0 window title", "\u001b]0;pwned\u0007", "\\x1b]0;pwned\\x07"],
    ["OSC 52 clipboard", "\u001b]52;c;cm0gLXJmIH4=\u001b\\", "\\x1b]52;c;cm0gLXJmIH4=\\x1b\\"],
    ["CSI cursor and colour", "\u001b[2K\u001b[1A\u001b[32m", "\\x1b[2K\\x1b[1A\\x1b[32m"],
    [
      "newline cannot start a line",
      "x\n✔ received, SHA-256 verified",
      "x\\n✔ received, SHA-256 verified",
    ],
    ["carriage return, tab", "a\rb\tc", "a\\rb\\tc"],
    ["NUL and DEL", "a\u0000b\u007f", "a\\x00b\\x7f"],
    ["8-bit CSI (C1)", "\u009b31m", "\\x9b31m"],
    ["bidi override", "evil\u202etxt.exe", "evil\\u202etxt.exe"],
    ["bidi isolates and marks", "\u2066a\u2069\u200e\u061c", "\\u2066a\\u2069\\u200e\\u061c"],
    ["zero-width and BOM", "in\u200bvo\ufeffice", "in\\u200bvo\\ufeffice"],
    ["line and paragraph separators", "a\u2028b\u2029c", "a\\u2028b\\u2029c"],
  ])("%s", (_, raw, expected) => {
    expect(terminalSafe(raw)).toBe(expected);
  });
});

describe("jsonLine", () => {
  it.each([
    ["C0 and ESC", { message: "\u001b]0;x\u0007\nfake" }],
    ["C1 and DEL", { name: "\u009b2J\u007f" }],
    ["bidi and separators", { name: "a\u202eb\u2028c\u2066" }],
    ["plain", { event: "file", name: "Grüße.txt", size: 3 }],
  ])("%s: printable ASCII for the unsafe characters, the same value back", (_, value) => {
    const line = jsonLine(value);
    // Nothing left that terminalSafe (tested above) would have to escape.
    expect(terminalSafe(line)).toBe(line);
    expect(JSON.parse(line)).toEqual(value);
  });
});
