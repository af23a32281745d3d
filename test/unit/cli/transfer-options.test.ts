import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import {
  lanesOf,
  MAX_TIMEOUT_SECONDS,
  parseBind,
  parseIce,
  parseTimeout,
} from "../../../src/cli/commands/transfer-options.js";

describe("lanesOf", () => {
  it("defaults to one lane less than the CPU cores, at most 3, none on one core", () => {
    expect(lanesOf({}, 1)).toBe(0);
    expect(lanesOf({}, 2)).toBe(1);
    expect(lanesOf({}, 4)).toBe(3);
    expect(lanesOf({}, 64)).toBe(3);
    expect(lanesOf({ KAD_LANES: "" }, 2)).toBe(1);
  });

  it("takes KAD_LANES from 0 to 3 and refuses anything else as a usage error", () => {
    expect(lanesOf({ KAD_LANES: "0" }, 8)).toBe(0);
    expect(lanesOf({ KAD_LANES: "3" }, 1)).toBe(3);
    for (const text of ["4", "-1", "1.5", "two"]) {
      expect(() => lanesOf({ KAD_LANES: text }, 2)).toThrow(/KAD_LANES/);
    }
  });
});

describe("parseTimeout", () => {
  it("keeps ordinary values, caps huge ones at what timers hold, reads 0 as no limit", () => {
    expect(parseTimeout("30")).toBe(30);
    expect(parseTimeout("2147484")).toBe(MAX_TIMEOUT_SECONDS);
    expect(parseTimeout("1e12")).toBe(MAX_TIMEOUT_SECONDS);
    expect(MAX_TIMEOUT_SECONDS * 1000).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(parseTimeout("0")).toBe(Number.POSITIVE_INFINITY);
  });

  it("refuses negative, empty and non-numeric values", () => {
    for (const text of ["-1", "", " ", "abc", "Infinity", "NaN"]) {
      expect(() => parseTimeout(text)).toThrow(InvalidArgumentError);
    }
  });
});

describe("parseBind", () => {
  it("takes loopback and unspecified addresses", () => {
    for (const address of ["127.0.0.1", "127.0.0.3", "::1", "0.0.0.0", "::"]) {
      expect(parseBind(address)).toBe(address);
    }
  });

  it("refuses names, garbage and addresses of other machines", () => {
    for (const text of ["notanip", "localhost", "", "192.0.2.55", "999.1.1.1"]) {
      expect(() => parseBind(text)).toThrow(InvalidArgumentError);
    }
  });
});

describe("parseIce", () => {
  it("collects STUN and TURN URLs", () => {
    const urls = parseIce("stun:stun.l.google.com:19302", undefined);
    expect(parseIce("turn:user:pass@10.0.0.1:3478?transport=tcp", urls)).toEqual([
      "stun:stun.l.google.com:19302",
      "turn:user:pass@10.0.0.1:3478?transport=tcp",
    ]);
    expect(parseIce("stun:[::1]:3478", undefined)).toEqual(["stun:[::1]:3478"]);
  });

  it("refuses anything else", () => {
    for (const text of ["bogus", "http://x", "stun:", "stun:host:port", "stun:a b"]) {
      expect(() => parseIce(text, undefined)).toThrow(InvalidArgumentError);
    }
  });
});
