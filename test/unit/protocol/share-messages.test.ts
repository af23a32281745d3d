import { describe, expect, it } from "vitest";
import {
  encodeShareMessage,
  parseMetadata,
  parseReceiverExtension,
  parseSenderExtension,
} from "../../../src/protocol/share-messages.js";

const HASH = "a".repeat(64);

describe("metadata", () => {
  it("accepts what an original browser sends", () => {
    const parsed = parseMetadata('{"name":"a.txt","size":3,"type":"text/plain"}');
    expect(parsed).toEqual({ ok: true, message: { name: "a.txt", size: 3, type: "text/plain" } });
  });

  it("defaults a missing or odd type to empty", () => {
    const parsed = parseMetadata('{"name":"a","size":0,"type":7}');
    expect(parsed.ok && parsed.message.type).toBe("");
  });

  it("round-trips the kad extension", () => {
    const message = { name: "x", size: -1, type: "", kad: { v: 1, path: "d/x", stream: true } };
    expect(parseMetadata(encodeShareMessage(message))).toEqual({ ok: true, message });
  });

  it.each([
    ["not json", "{"],
    ["missing name", '{"size":1,"type":""}'],
    ["empty name", '{"name":"","size":1,"type":""}'],
    ["negative size", '{"name":"a","size":-2,"type":""}'],
    ["fractional size", '{"name":"a","size":1.5,"type":""}'],
    ["huge size", '{"name":"a","size":1e300,"type":""}'],
    ["string size", '{"name":"a","size":"1","type":""}'],
    ["array", "[]"],
    ["oversized", JSON.stringify({ name: "a".repeat(20_000), size: 1, type: "" })],
  ])("refuses %s", (_, text) => {
    expect(parseMetadata(text).ok).toBe(false);
  });
});

describe("extensions", () => {
  it("parses every sender extension", () => {
    expect(parseSenderExtension(`{"kad":"eof","bytes":5,"sha256":"${HASH}"}`).ok).toBe(true);
    expect(parseSenderExtension('{"kad":"end","files":2,"bytes":5}').ok).toBe(true);
    expect(parseSenderExtension('{"kad":"hello","v":1}').ok).toBe(false);
  });

  it("parses every receiver extension", () => {
    expect(parseReceiverExtension('{"kad":"hello","v":1}').ok).toBe(true);
    expect(parseReceiverExtension('{"kad":"written","bytes":10}').ok).toBe(true);
    expect(parseReceiverExtension(`{"kad":"ack","bytes":5,"sha256":"${HASH}"}`).ok).toBe(true);
    expect(parseReceiverExtension(`{"kad":"ack","bytes":5,"sha256":"xyz"}`).ok).toBe(false);
  });

  it("maps unknown error codes to PROTOCOL", () => {
    const parsed = parseReceiverExtension('{"kad":"error","code":"WHAT","message":"m"}');
    expect(parsed).toEqual({
      ok: true,
      message: { kad: "error", code: "PROTOCOL", message: "m" },
    });
  });
});
