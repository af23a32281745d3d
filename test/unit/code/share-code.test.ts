import { describe, expect, it } from "vitest";
import {
  codeEntropyBits,
  embeddedAddressOf,
  generateCode,
  generateEmbeddedCode,
  isValidCode,
  joinCode,
  linkFragment,
  normalizeCode,
  parseShareLink,
  plainRoomFallback,
  secureRandomInt,
  splitCode,
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
    ["12-80", undefined],
    ["12-80-tiger", { hostOctet: 12, port: 80 }],
    ["12-80-tiger-piano-oak", { hostOctet: 12, port: 80 }],
  ])("embeddedAddressOf(%s)", (code, expected) => {
    expect(embeddedAddressOf(code)).toEqual(expected);
  });

  it("states its entropy", () => {
    expect(codeEntropyBits("server")).toBeCloseTo(20.3, 1);
    expect(codeEntropyBits("embedded")).toBeCloseTo(10.3, 1);
    expect(codeEntropyBits("secret")).toBeCloseTo(20.7, 1);
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
    ["http://127.0.0.1:9891/#/7-tiger/piano-oak", "http://127.0.0.1:9891", "7-tiger-piano-oak"],
    ["http://h/#/23-40123-tiger/piano-oak", "http://h", "23-40123-tiger-piano-oak"],
  ])("parses the browser link %s", (link, serverUrl, code) => {
    expect(parseShareLink(link)).toEqual({ serverUrl, code });
  });

  it.each([
    "http://x/#/7-tiger-piano",
    "http://x/#/7-tiger/piano/oak",
    "ftp://x/#/abcdef",
    "http://x/#/../etc",
    "http://x/",
  ])("is not a share link: %s", (input) => {
    expect(parseShareLink(input)).toBeUndefined();
  });
});

describe("room and secret", () => {
  it.each([
    ["7-tiger-piano-oak", { room: "7-tiger", secret: "piano-oak" }],
    ["23-40123-tiger-piano-oak", { room: "23-40123-tiger", secret: "piano-oak" }],
    ["my-Room-Piano-OAK", { room: "my-Room", secret: "piano-oak" }],
    ["reference-room-123-4", { room: "reference-room-123-4", secret: undefined }],
    ["x7k2m9p4q1w8", { room: "x7k2m9p4q1w8", secret: undefined }],
    ["7-tiger-piano", undefined],
    ["abc", undefined],
    // An original client's room whose split room is too short to be one.
    ["my-cool-room", { room: "my-cool-room", secret: undefined }],
    // ...unless kad could have made it: its secret words must never reach the server.
    ["7-ti-acid-acorn", undefined],
    ["ab-acid-acorn", undefined],
  ])("splitCode(%s)", (code, expected) => {
    expect(splitCode(code)).toEqual(expected);
  });

  it.each([
    ["shared-holiday-photos", "shared-holiday-photos"],
    ["My-Cool-Room-X", "My-Cool-Room-X"],
    ["7-tiger-piano", undefined],
    ["Shared-Holiday-Photos", "Shared-Holiday-Photos"],
    // The generated shape, whatever the words (a typo must not leak either).
    ["7-tiger-acid-acorn", undefined],
    ["7-tigre-piano-oka", undefined],
    ["23-40123-tiger-acid-acorn", undefined],
    // Secret words of the list: a room named on the page.
    ["holiday-photos-acid-acorn", undefined],
    ["reference-room-123-4", undefined],
  ])("plainRoomFallback(%s)", (code, expected) => {
    expect(plainRoomFallback(code)).toBe(expected);
  });

  it("keeps generated codes to a valid room plus two secret words", () => {
    for (let i = 0; i < 200; i++) {
      const code = generateCode();
      const split = splitCode(code);
      expect(split?.room).toMatch(/^\d{1,3}-[a-z]+$/);
      expect(split?.secret).toMatch(/^[a-z]+-[a-z]+$/);
      expect(joinCode(split as never)).toBe(code);
      const embedded = splitCode(generateEmbeddedCode(7, 40123));
      expect(embeddedAddressOf(embedded?.room ?? "")).toEqual({ hostOctet: 7, port: 40123 });
    }
  });

  it("puts the secret only in the link's fragment", () => {
    expect(linkFragment({ room: "7-tiger", secret: "piano-oak" })).toBe("#/7-tiger/piano-oak");
    expect(linkFragment({ room: "abcdef", secret: undefined })).toBe("#/abcdef");
  });

  it("requires a secret part for kad send's --code", () => {
    expect(isValidCode("7-tiger-piano-oak")).toBe(true);
    expect(isValidCode("reference-room-123-4")).toBe(false);
  });
});
