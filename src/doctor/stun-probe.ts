/**
 * A STUN binding request (RFC 8489) from one UDP socket to each STUN server,
 * so the mapped addresses can be compared: a NAT that maps one socket to
 * different public ports per destination is "symmetric", and hole punching
 * through it fails.
 */
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";

const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const MAGIC_COOKIE = 0x2112a442;
const XOR_MAPPED_ADDRESS = 0x0020;
const MAPPED_ADDRESS = 0x0001;
const HEADER_BYTES = 20;
const RETRANSMIT_MS = 400;

export interface StunTarget {
  host: string;
  port: number;
}

export interface StunAnswer {
  target: StunTarget;
  /** `address:port` this machine appears as to that server; undefined without an answer. */
  mapped: string | undefined;
}

/** `stun:host[:port]` to a target; undefined for anything else. */
export function parseStunUrl(url: string): StunTarget | undefined {
  const match = /^stun:(\[[0-9a-fA-F:.]+\]|[^:?\s]+)(?::(\d{1,5}))?$/.exec(url);
  if (!match?.[1]) return undefined;
  const port = match[2] ? Number(match[2]) : 3478;
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ""), port };
}

/** The mapped address in a binding success response for `transactionId`, if it is one. */
export function parseBindingResponse(message: Buffer, transactionId: Buffer): string | undefined {
  if (message.length < HEADER_BYTES || message.readUInt16BE(0) !== BINDING_SUCCESS)
    return undefined;
  if (message.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  if (!message.subarray(8, HEADER_BYTES).equals(transactionId)) return undefined;
  const end = Math.min(message.length, HEADER_BYTES + message.readUInt16BE(2));
  let fallback: string | undefined;
  for (let offset = HEADER_BYTES; offset + 4 <= end; ) {
    const type = message.readUInt16BE(offset);
    const length = message.readUInt16BE(offset + 2);
    const value = message.subarray(offset + 4, offset + 4 + length);
    // Only IPv4 (family 0x01); the IPv6 form would need the transaction id as mask too.
    if (value.length >= 8 && value[1] === 0x01) {
      if (type === XOR_MAPPED_ADDRESS) {
        const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
        const address = (value.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
        return `${ipv4(address)}:${port}`;
      }
      if (type === MAPPED_ADDRESS)
        fallback = `${ipv4(value.readUInt32BE(4))}:${value.readUInt16BE(2)}`;
    }
    offset += 4 + Math.ceil(length / 4) * 4;
  }
  return fallback;
}

function ipv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join(".");
}

function bindingRequest(transactionId: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(BINDING_REQUEST, 0);
  header.writeUInt16BE(0, 2);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  return header;
}

/** Asks every target from one socket; resolves within `timeoutMs` with what came back. */
export function probeStun(targets: StunTarget[], timeoutMs: number): Promise<StunAnswer[]> {
  const socket = createSocket("udp4");
  const pending = targets.map((target) => ({
    target,
    id: randomBytes(12),
    mapped: undefined as string | undefined,
  }));
  return new Promise((resolve) => {
    const finish = () => {
      clearInterval(resend);
      clearTimeout(deadline);
      socket.close();
      resolve(pending.map(({ target, mapped }) => ({ target, mapped })));
    };
    const send = () => {
      for (const probe of pending.filter((p) => p.mapped === undefined)) {
        socket.send(bindingRequest(probe.id), probe.target.port, probe.target.host, () => {});
      }
    };
    socket.on("error", () => {});
    socket.on("message", (message) => {
      for (const probe of pending) {
        probe.mapped ??= parseBindingResponse(message, probe.id);
      }
      if (pending.every((p) => p.mapped !== undefined)) finish();
    });
    const resend = setInterval(send, RETRANSMIT_MS);
    const deadline = setTimeout(finish, timeoutMs);
    socket.bind(0, send);
  });
}
