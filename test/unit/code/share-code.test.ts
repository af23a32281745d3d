import { describe, expect, it } from "vitest";
import {
  codeEntropyBits,
  embeddedAddressOf,
  generateCode,
  generateEmbeddedCode,
  isValidCode,
  normalizeCode,
  parseShareLink,
  secureRandomInt,
} from "../../../src/code/share-code.js";
import { WORDS } from "../../../src/code/words.js";

describe("word list", () => {
  it("has distinct lowercase words", () => {
    expect(WORDS.length).toBe(1295);
    expect(new Set(WORDS).size).toBe(WORDS.length);
    for (const word of WORDS) expect(word).toMatch(/^[a-z]{3,5}$/);
  });
});

describe("share codes", () => {
  it("generates number-word-word-word codes that are valid room names", () => {
    for (let i = 0; i < 200; i++) {
      const code = generateCode();
      expect(code).toMatch(/^\d{1,3}(-[a-z]+){3}$/);
      expect(isValidCode(code)).toBe(true);
      expect(embeddedAddressOf(code)).toBeUndefined();
    }
  });

  it("uses the injected random source", () => {
    expect(generateCode(() => 0)).toBe("1-acid-acid-acid");
    expect(generateEmbeddedCode(23, 40123, () => 1)).toBe("23-40123-acorn-acorn-acorn");
  });

  it("folds and recovers an embedded server address", () => {
    const code = generateEmbeddedCode(1, 65535);
    expect(isValidCode(code)).toBe(true);
    expect(embeddedAddressOf(code)).toEqual({ hostOctet: 1, port: 65535 });
  });

  it.each([
    ["7-tiger-piano-oak", undefined],
    ["0-80-tiger-piano", undefined],
    ["255-80-tiger-piano", undefined],
    ["12-70000-tiger-piano", undefined],
    ["12-80-tiger", undefined],
    ["12-80-tiger-piano", { hostOctet: 12, port: 80 }],
  ])("embeddedAddressOf(%s)", (code, expected) => {
    expect(embeddedAddressOf(code)).toEqual(expected);
  });

  it("states its entropy", () => {
    expect(codeEntropyBits("server")).toBeCloseTo(41.0, 0);
    expect(codeEntropyBits("embedded")).toBeCloseTo(31.0, 0);
  });

  it("secureRandomInt stays in range", () => {
    for (let i = 0; i < 1000; i++) {
      const n = secureRandomInt(7);
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThan(7);
    }
  });

  it.each([
    ["  7 tiger  piano oak ", "7-tiger-piano-oak"],
    ["7--tiger-piano", "7-tiger-piano"],
  ])("normalizes %j", (input, expected) => {
    expect(normalizeCode(input)).toBe(expected);
  });

  it.each([
    ["http://127.0.0.1:9891/#/7-tiger-piano-oak", "http://127.0.0.1:9891", "7-tiger-piano-oak"],
    ["https://kad.example/app/#/abcdef", "https://kad.example/app", "abcdef"],
  ])("parses the browser link %s", (link, serverUrl, code) => {
    expect(parseShareLink(link)).toEqual({ serverUrl, code });
  });

  it.each(["7-tiger-piano", "ftp://x/#/abcdef", "http://x/#/../etc", "http://x/"])(
    "is not a share link: %s",
    (input) => {
      expect(parseShareLink(input)).toBeUndefined();
    },
  );
});
