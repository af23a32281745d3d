/** Parsing STUN binding responses: only our transaction, XOR-MAPPED-ADDRESS first. */
import { expect, it } from "vitest";
import { parseBindingResponse, parseStunUrl } from "../../../src/doctor/stun-probe.js";

const id = Buffer.alloc(12, 7);

function response(attributes: Buffer, transaction = id, type = 0x0101): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(attributes.length, 2);
  header.writeUInt32BE(0x2112a442, 4);
  transaction.copy(header, 8);
  return Buffer.concat([header, attributes]);
}

/** 198.51.100.7:40000 as XOR-MAPPED-ADDRESS. */
const xorMapped = Buffer.from([
  0x00,
  0x20,
  0x00,
  0x08,
  0x00,
  0x01,
  (40000 >> 8) ^ 0x21,
  (40000 & 0xff) ^ 0x12,
  198 ^ 0x21,
  51 ^ 0x12,
  100 ^ 0xa4,
  7 ^ 0x42,
]);

it.each([
  ["a binding success", response(xorMapped), "198.51.100.7:40000"],
  ["another transaction", response(xorMapped, Buffer.alloc(12, 1)), undefined],
  ["an error response", response(xorMapped, id, 0x0111), undefined],
  ["a truncated message", response(xorMapped).subarray(0, 18), undefined],
  [
    "a length past the end",
    Buffer.concat([response(Buffer.alloc(0)), Buffer.from([0, 0x20, 0, 99])]),
    undefined,
  ],
])("%s", (_, message, expected) => {
  expect(parseBindingResponse(message, id)).toBe(expected);
});

it.each([
  ["stun:h.example", { host: "h.example", port: 3478 }],
  ["stun:[2001:db8::1]:19302", { host: "2001:db8::1", port: 19302 }],
  ["turn:h.example", undefined],
  ["stun:h:0", undefined],
])("parseStunUrl(%s)", (url, expected) => {
  expect(parseStunUrl(url)).toEqual(expected);
});
