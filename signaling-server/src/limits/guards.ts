/**
 * The rate limits shared by the HTTP API and the WebSocket: room creation per
 * IP, and failed lookups/joins per IP and per room, which is what makes
 * guessing share codes or passwords impractical. Counters live in this
 * process; behind a load balancer each instance enforces them on its own share.
 */
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
export function clientIp(remoteAddress: string | undefined): string {
  if (!remoteAddress) return "unknown";
  return remoteAddress.startsWith("::ffff:") ? remoteAddress.slice(7) : remoteAddress;
}

export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
