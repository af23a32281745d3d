import { describe, expect, it } from "vitest";
import { safeRelativeSegments, sanitizeSegment } from "../../../src/engine/safe-path.js";

describe("safeRelativeSegments", () => {
  it.each([
    ["plain name", "report.pdf", undefined, ["report.pdf"]],
    ["spaces and unicode", "Grüße aus Köln 🎉.txt", undefined, ["Grüße aus Köln 🎉.txt"]],
    ["parent escape", "../../etc/passwd", undefined, ["etc", "passwd"]],
    ["absolute path", "/etc/passwd", undefined, ["etc", "passwd"]],
    [
      "windows absolute",
      "C:\\Windows\\system32\\x.dll",
      undefined,
      ["Windows", "system32", "x.dll"],
    ],
    ["backslash escape", "..\\..\\x", undefined, ["x"]],
    ["only dots", "..", undefined, ["file"]],
    ["dot segments", "./a/./b/../c", undefined, ["a", "b", "c"]],
    ["relative path wins", "x.txt", "dir/sub/x.txt", ["dir", "sub", "x.txt"]],
    ["hostile relative path", "x", "../../../x", ["x"]],
    ["hostile path, safe name", "ok.txt", "../..", ["ok.txt"]],
    // A kad path that reduces to nothing falls back to the name, split like any path.
    ["empty kad path, name with /", "link/pwned.txt", "..", ["link", "pwned.txt"]],
    ["dot kad path, name with \\", "a\\b.txt", ".", ["a", "b.txt"]],
    ["drive kad path, escaping name", "../../x", "C:", ["x"]],
    ["invisible kad path", "d/e", "\u200b", ["d", "e"]],
    ["reserved device", "con.txt", undefined, ["_con.txt"]],
    ["reserved device, upper", "LPT1", undefined, ["_LPT1"]],
    ["not reserved", "console.txt", undefined, ["console.txt"]],
    ["control characters", "a\u0000b\nc\u007f.txt", undefined, ["abc.txt"]],
    ["zero-width", "in\u200bvoice\u200d.pdf", undefined, ["invoice.pdf"]],
    ["bidi override", "evil\u202etxt.exe", undefined, ["eviltxt.exe"]],
    ["line separators", "a\u2028b\u2029c.txt", undefined, ["abc.txt"]],
    ["arabic letter mark", "a\u061cb.txt", undefined, ["ab.txt"]],
    ["windows forbidden", 'a<b>c:d"e|f?g*h', undefined, ["a_b_c_d_e_f_g_h"]],
    ["trailing dots and spaces", "name. . ", undefined, ["name"]],
    ["leading and trailing space", "  a.txt  ", undefined, ["a.txt"]],
    ["empty name", "", undefined, ["file"]],
    ["only invisible", "\u200b\u200b", undefined, ["file"]],
    ["decomposed unicode is NFC", "e\u0301.txt", undefined, ["\u00e9.txt"]],
    ["dotfile kept", ".gitignore", undefined, [".gitignore"]],
  ])("%s", (_, name, path, expected) => {
    expect(safeRelativeSegments(name, path)).toEqual(expected);
  });

  it("truncates long names to 255 bytes and keeps the extension", () => {
    const [segment] = safeRelativeSegments(`${"ü".repeat(300)}.tar.gz`);
    expect(new TextEncoder().encode(segment).length).toBeLessThanOrEqual(255);
    expect(segment?.endsWith(".gz")).toBe(true);
  });

  it("refuses absurdly deep paths", () => {
    expect(() => safeRelativeSegments("x", "a/".repeat(40))).toThrow(/deeper/);
    expect(() => safeRelativeSegments("a/".repeat(40), "..")).toThrow(/deeper/);
  });

  it("drops drive letters", () => {
    expect(sanitizeSegment("C:")).toBeUndefined();
  });
});
