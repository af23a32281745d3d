/**
 * The rate limits shared by the HTTP API and the WebSocket: room creation per
 * IP, and failed lookups/joins per IP and per room, which is what makes
 * guessing share codes or passwords impractical (password checks: password-checks.ts). Counters live in this
 * process; behind a load balancer each instance enforces them on its own share.
 */
import type { IncomingMessage } from "node:http";
import type { Clock } from "../clock.js";
import { PasswordChecks } from "./password-checks.js";
import { WindowCounter } from "./rate-limiter.js";
import type { ServerLimits } from "./server-limits.js";

const MINUTE_MS = 60_000;

export class Guards {
  readonly roomCreationsByIp: WindowCounter;
  readonly failuresByIp: WindowCounter;
  readonly passwordChecks: PasswordChecks;

  constructor(clock: Clock, limits: ServerLimits) {
    this.passwordChecks = new PasswordChecks(clock, limits);
    this.roomCreationsByIp = new WindowCounter(
      clock,
      limits.roomCreationsPerIpPerMinute,
      MINUTE_MS,
    );
    this.failuresByIp = new WindowCounter(
      clock,
      limits.failedConnectsPerIp,
      limits.failedConnectWindowMs,
    );
  }
}

/**
 * The key a client's limits are counted under. "::ffff:1.2.3.4" and
 * "1.2.3.4" are one client; an IPv6 client is its /64, since one host
 * usually holds a whole /64 and could otherwise hop between addresses.
 */
export function normalizeIp(address: string | undefined): string {
  if (!address) return "unknown";
  const lower = address.toLowerCase();
  if (lower.startsWith("::ffff:") && lower.includes(".")) return lower.slice(7);
  if (!lower.includes(":")) return lower;
  const hextets = expandIpv6(lower);
  return hextets ? `${hextets.slice(0, 4).join(":")}::/64` : lower;
}

/** "2001:db8::1" -> ["2001", "db8", "0", "0", "0", "0", "0", "1"], or undefined if malformed. */
function expandIpv6(address: string): string[] | undefined {
  const [head = "", tail, extra] = address.split("::");
  if (extra !== undefined) return undefined;
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const hextets = [...left, ...Array<string>(Math.max(0, missing)).fill("0"), ...right];
  if (!hextets.every((part) => /^[0-9a-f]{1,4}$/.test(part))) return undefined;
  return hextets.map((part) => part.replace(/^0+(?=.)/, ""));
}

const FORWARDED_IP = /^[0-9A-Fa-f:.]{2,45}$/;

/**
 * The address limits are counted against. Behind a trusted reverse proxy it
 * is the last X-Forwarded-For entry (the one that proxy added); earlier
 * entries are whatever the client claimed and are ignored.
 */
export function clientIp(request: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = request.headers["x-forwarded-for"];
    const last = (Array.isArray(header) ? header.join(",") : (header ?? ""))
      .split(",")
      .pop()
      ?.trim();
    if (last && FORWARDED_IP.test(last)) return normalizeIp(last);
  }
  return normalizeIp(request.socket.remoteAddress);
}

/** Whether the client reached us over TLS (directly, or via a trusted proxy that says so). */
export function isSecureRequest(request: IncomingMessage, trustProxy: boolean): boolean {
  if ("encrypted" in request.socket && request.socket.encrypted) return true;
  return trustProxy && request.headers["x-forwarded-proto"] === "https";
}

export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
