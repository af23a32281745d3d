/**
 * mop-rpc framing, as the kamelladjutant browser client speaks it.
 *
 *   request / notification  {"type": T, "payload": P, "id"?: I}
 *   reply                   {"replyId": I, "payload": P, "id"?: J}
 *
 * A reply that carries its own `id` asks for a reply to the reply: that is
 * how the initiate exchange chains eight steps. This module is transport
 * agnostic (no `node:` imports) so the server, the CLI and the web page share it.
 */
import { MAX_FRAME_BYTES, MAX_ID_LENGTH, RPC_TIMEOUT_MS } from "./limits.js";

export interface RequestFrame {
  type: string;
  payload: unknown;
  id?: string;
}

export interface ReplyFrame {
  replyId: string;
  payload: unknown;
  id?: string;
}

export type Frame = RequestFrame | ReplyFrame;

export function isReplyFrame(frame: Frame): frame is ReplyFrame {
  return "replyId" in frame;
}

export type FrameError = "too-large" | "not-json" | "not-object" | "bad-field";

export type ParseResult = { ok: true; frame: Frame } | { ok: false; error: FrameError };

function isId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

/** Parses and validates one text frame. Never throws. */
export function parseFrame(text: string): ParseResult {
  // A UTF-16 length over the limit is always over it in bytes too.
  if (text.length > MAX_FRAME_BYTES) return { ok: false, error: "too-large" };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: "not-json" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: "not-object" };
  }
  const record = value as Record<string, unknown>;
  if (record.id !== undefined && !isId(record.id)) return { ok: false, error: "bad-field" };
  const id = record.id as string | undefined;
  const payload = record.payload;
  if (record.replyId !== undefined) {
    if (!isId(record.replyId)) return { ok: false, error: "bad-field" };
    return { ok: true, frame: withId({ replyId: record.replyId, payload }, id) };
  }
  if (typeof record.type !== "string" || record.type.length === 0 || record.type.length > 64) {
    return { ok: false, error: "bad-field" };
  }
  return { ok: true, frame: withId({ type: record.type, payload }, id) };
}

function withId<T extends object>(frame: T, id: string | undefined): T & { id?: string } {
  return id === undefined ? frame : { ...frame, id };
}

export function encodeFrame(frame: Frame): string {
  return JSON.stringify(frame);
}

/** Opaque unique ids. getRandomValues works in insecure browser contexts too. */
export function newId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class RpcTimeoutError extends Error {
  constructor(readonly what: string) {
    super(`no reply to ${what} in time`);
    this.name = "RpcTimeoutError";
  }
}

export class RpcClosedError extends Error {
  constructor() {
    super("connection closed while waiting for a reply");
    this.name = "RpcClosedError";
  }
}

/** What arrives for a request that asked for a reply: answer it with `reply`. */
export interface IncomingRequest {
  type: string;
  payload: unknown;
  id: string | undefined;
}

/** A reply that arrived; if `id` is set, the peer expects a reply to it. */
export interface IncomingReply {
  payload: unknown;
  id: string | undefined;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface RpcEndpointOptions {
  send(text: string): void;
  onRequest(request: IncomingRequest): void;
  /** Called for frames that do not parse; the owner decides whether to close. */
  onBadFrame?(error: FrameError): void;
  maxPending?: number;
  timers?: Timers;
}

interface Pending {
  what: string;
  resolve(reply: IncomingReply): void;
  reject(error: Error): void;
  timer: unknown;
}

/**
 * One side of a mop-rpc conversation: sends requests and replies, matches
 * replies to pending ids, expires them, and hands requests to the owner.
 * Replies to unknown or expired ids are dropped.
 */
export class RpcEndpoint {
  private readonly pending = new Map<string, Pending>();
  private readonly timers: Timers;
  private readonly maxPending: number;
  private closed = false;

  constructor(private readonly options: RpcEndpointOptions) {
    this.timers = options.timers ?? realTimers;
    this.maxPending = options.maxPending ?? 256;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  request(type: string, payload: unknown, timeoutMs = RPC_TIMEOUT_MS): Promise<IncomingReply> {
    const id = newId();
    const promise = this.expectReply(id, type, timeoutMs);
    this.options.send(encodeFrame({ type, payload, id }));
    return promise;
  }

  /** Replies to `replyId`; with `timeoutMs`, asks for a reply to this reply. */
  reply(replyId: string, payload: unknown): void;
  reply(replyId: string, payload: unknown, timeoutMs: number): Promise<IncomingReply>;
  reply(replyId: string, payload: unknown, timeoutMs?: number): Promise<IncomingReply> | undefined {
    if (timeoutMs === undefined) {
      this.options.send(encodeFrame({ replyId, payload }));
      return undefined;
    }
    const id = newId();
    const promise = this.expectReply(id, "reply", timeoutMs);
    this.options.send(encodeFrame({ replyId, payload, id }));
    return promise;
  }

  /** Feeds one received text frame. Never throws. */
  receive(text: string): void {
    const parsed = parseFrame(text);
    if (!parsed.ok) {
      this.options.onBadFrame?.(parsed.error);
      return;
    }
    const frame = parsed.frame;
    if (isReplyFrame(frame)) {
      const waiting = this.pending.get(frame.replyId);
      if (!waiting) return;
      this.settle(frame.replyId);
      waiting.resolve({ payload: frame.payload, id: frame.id });
      return;
    }
    this.options.onRequest({ type: frame.type, payload: frame.payload, id: frame.id });
  }

  /** Rejects everything pending; later requests reject at once. */
  close(): void {
    this.closed = true;
    for (const [id, waiting] of this.pending) {
      this.settle(id);
      waiting.reject(new RpcClosedError());
    }
  }

  private expectReply(id: string, what: string, timeoutMs: number): Promise<IncomingReply> {
    if (this.closed) return Promise.reject(new RpcClosedError());
    if (this.pending.size >= this.maxPending) {
      return Promise.reject(new Error(`too many pending replies (${this.maxPending})`));
    }
    return new Promise((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcTimeoutError(what));
      }, timeoutMs);
      this.pending.set(id, { what, resolve, reject, timer });
    });
  }

  private settle(id: string): void {
    const waiting = this.pending.get(id);
    if (!waiting) return;
    this.timers.clearTimeout(waiting.timer);
    this.pending.delete(id);
  }
}
