/**
 * One client WebSocket and its protocol state:
 *
 *   unjoined --connect--> joining --ok--> joined --close--> closed
 *        \                   \--refused--> unjoined
 *         \--idle timeout / abuse / close-------------------> closed
 *
 * Unjoined, only `connect` is honoured; joined, `users`, `initiate` and
 * replies to relayed steps. Every frame is rate limited and validated;
 * malformed frames count toward closing the socket, unknown types and late
 * replies are dropped quietly as the original did.
 */
import type { RawData, WebSocket } from "ws";
import { type Frame, isReplyFrame, newId, parseFrame } from "../../../src/protocol/mop-rpc.js";
import type { OutgoingFrame, ReplyRoute } from "../bus/signaling-bus.js";
import { TokenBucket } from "../limits/rate-limiter.js";
import type { ServerContext } from "../options.js";
import { PendingRelays } from "./pending-relays.js";

export type ConnectionState = "unjoined" | "joining" | "joined" | "closed";

/** A client that reads slower than this much queued output is dropped. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export const CLOSE = {
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  tooLarge: 1009,
} as const;

export interface ConnectionHandlers {
  onRequest(connection: SignalingConnection, frame: Frame & { type: string }): void;
  onReply(connection: SignalingConnection, frame: Frame & { replyId: string }): void;
  onClose(connection: SignalingConnection): void;
  /** A relay step this connection owed an answer to expired. */
  onStepTimeout(connection: SignalingConnection, route: ReplyRoute): void;
}

export class SignalingConnection {
  readonly peerId = newId();
  state: ConnectionState = "unjoined";
  room: { name: string; username: string } | undefined;
  readonly pending: PendingRelays;
  /** Cleared by each ping round; set again by the pong. */
  alive = true;
  private readonly frames: TokenBucket;
  private badFrames = 0;
  private idleTimer: unknown;
  private stopRefresh: (() => void) | undefined;

  constructor(
    private readonly context: ServerContext,
    private readonly socket: WebSocket,
    readonly ip: string,
    private readonly handlers: ConnectionHandlers,
  ) {
    const { limits, clock } = context;
    this.frames = new TokenBucket(clock, limits.framesPerSecond, limits.frameBurst);
    this.pending = new PendingRelays(
      clock,
      limits.maxPendingRepliesPerConnection,
      limits.initiateStepTimeoutMs,
      (route) => handlers.onStepTimeout(this, route),
    );
    this.idleTimer = clock.setTimeout(() => {
      if (this.state === "unjoined" || this.state === "joining") {
        this.reject("idle-unjoined");
        this.close(CLOSE.policyViolation, "join a room sooner");
      }
    }, limits.unjoinedIdleMs);
    socket.on("message", (data, isBinary) => this.receive(data, isBinary));
    socket.on("pong", () => {
      this.alive = true;
    });
    socket.on("close", () => this.closed());
    socket.on("error", () => socket.terminate());
  }

  /** A method, not a field read, so checks after an await are not narrowed away. */
  isClosed(): boolean {
    return this.state === "closed";
  }

  /** Marks the connection joined and keeps its room alive while it stays. */
  joined(room: { name: string; username: string }, refresh: () => () => void): void {
    this.state = "joined";
    this.room = room;
    this.context.clock.clearTimeout(this.idleTimer);
    this.stopRefresh = refresh();
  }

  send(frame: OutgoingFrame & { id?: string }): void {
    if (this.state === "closed" || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.reject("slow-consumer");
      this.socket.terminate();
      return;
    }
    this.socket.send(JSON.stringify(frame));
  }

  reply(replyId: string | undefined, payload: unknown): void {
    if (replyId !== undefined) this.send({ replyId, payload });
  }

  /** Counts a rejected frame; `abusive` ones count toward closing the socket. */
  reject(reason: string, abusive = false): void {
    this.context.metrics.inc("kad_frames_rejected_total", { reason });
    if (!abusive) return;
    this.badFrames += 1;
    if (this.badFrames > this.context.limits.maxBadFrames) {
      this.context.logger.warn(
        { ip: this.ip, reason },
        "closing a socket that sent too many bad frames",
      );
      this.close(CLOSE.policyViolation, "too many malformed frames");
    }
  }

  ping(): void {
    if (!this.alive) {
      this.context.metrics.inc("kad_frames_rejected_total", { reason: "no-pong" });
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason);
    else this.socket.terminate();
    this.closed();
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.state === "closed") return;
    if (!this.frames.take()) {
      this.reject("flood");
      this.context.logger.warn({ ip: this.ip }, "closing a flooding socket");
      this.close(CLOSE.policyViolation, "too many messages");
      return;
    }
    if (isBinary) {
      this.reject("binary", true);
      return;
    }
    const parsed = parseFrame(rawText(data));
    if (!parsed.ok) {
      this.reject(parsed.error, true);
      return;
    }
    const frame = parsed.frame;
    if (isReplyFrame(frame)) this.handlers.onReply(this, frame);
    else this.handlers.onRequest(this, frame);
  }

  private closed(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.context.clock.clearTimeout(this.idleTimer);
    this.stopRefresh?.();
    this.handlers.onClose(this);
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}
