/**
 * The rate limits shared by the HTTP API and the WebSocket: room creation per
 * IP, and failed lookups/joins per IP and per room, which is what makes
 * guessing share codes or passwords impractical. Counters live in this
 * process; behind a load balancer each instance enforces them on its own share.
 */
import type { IncomingMessage } from "node:http";
import type { Clock } from "../clock.js";
import { WindowCounter } from "./rate-limiter.js";
import type { ServerLimits } from "./server-limits.js";

const MINUTE_MS = 60_000;

export class Guards {
  readonly roomCreationsByIp: WindowCounter;
  readonly failuresByIp: WindowCounter;
  readonly failuresByRoom: WindowCounter;

  constructor(clock: Clock, limits: ServerLimits) {
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
    this.failuresByRoom = new WindowCounter(
      clock,
      limits.failedConnectsPerRoom,
      limits.failedConnectWindowMs,
    );
  }
}

/** "::ffff:1.2.3.4" and "1.2.3.4" are one client. */
function normalizeIp(address: string | undefined): string {
  if (!address) return "unknown";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
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
