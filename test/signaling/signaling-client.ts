/** A real `ws` client speaking raw mop-rpc frames, for driving the server in tests. */
import { randomUUID } from "node:crypto";
import WebSocket from "ws";

export interface ReceivedFrame {
  type?: string;
  replyId?: string;
  id?: string;
  payload?: unknown;
}

export class SignalingClient {
  readonly frames: ReceivedFrame[] = [];
  private readonly waiters: Array<{
    match: (frame: ReceivedFrame) => boolean;
    resolve: (frame: ReceivedFrame) => void;
  }> = [];
  closeCode: number | undefined;
  closeReason = "";
  readonly closed: Promise<number>;

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as ReceivedFrame;
      const index = this.waiters.findIndex((waiter) => waiter.match(frame));
      const waiter = index >= 0 ? this.waiters.splice(index, 1)[0] : undefined;
      if (waiter) waiter.resolve(frame);
      else this.frames.push(frame);
    });
    this.closed = new Promise((resolve) => {
      socket.on("close", (code, reason) => {
        this.closeCode = code;
        this.closeReason = String(reason);
        resolve(code);
      });
    });
  }

  /** Opens a socket to `wsUrl` with the signaling subprotocol. */
  static open(
    wsUrl: string,
    options: { protocol?: string | null; origin?: string; localAddress?: string } = {},
  ): Promise<SignalingClient> {
    const protocols = options.protocol === null ? [] : [options.protocol ?? "signaling"];
    const socket = new WebSocket(wsUrl, protocols, {
      ...(options.origin ? { origin: options.origin } : {}),
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    return new Promise((resolve, reject) => {
      socket.once("open", () => resolve(new SignalingClient(socket)));
      socket.once("unexpected-response", (_request, response) => {
        reject(new HandshakeRefused(response.statusCode ?? 0));
        socket.terminate();
      });
      socket.once("error", reject);
    });
  }

  sendRaw(data: string | Buffer): void {
    this.socket.send(data);
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** Sends a request with a fresh id and resolves with the reply frame. */
  async request(type: string, payload: unknown): Promise<ReceivedFrame> {
    const id = randomUUID();
    const reply = this.next((frame) => frame.replyId === id);
    this.send({ type, payload, id });
    return reply;
  }

  /** Resolves with the first frame (already received or still to come) that matches. */
  next(
    match: (frame: ReceivedFrame) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<ReceivedFrame> {
    const index = this.frames.findIndex(match);
    if (index >= 0) return Promise.resolve(this.frames.splice(index, 1)[0] as ReceivedFrame);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = this.waiters.findIndex((waiter) => waiter.resolve === done);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(new Error("no matching frame arrived in time"));
      }, timeoutMs);
      const done = (frame: ReceivedFrame) => {
        clearTimeout(timer);
        resolve(frame);
      };
      this.waiters.push({ match, resolve: done });
    });
  }

  /** The next `users` push. */
  nextUsers(): Promise<ReceivedFrame> {
    return this.next((frame) => frame.type === "users" && frame.id === undefined);
  }

  close(): Promise<number> {
    this.socket.close();
    return this.closed;
  }
}

export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`handshake refused with HTTP ${status}`);
  }
}
