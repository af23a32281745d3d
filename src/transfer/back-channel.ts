/**
 * The sender's view of the receiver's own `share` channel: an original browser
 * stays silent there; a kad receiver says hello, reports bytes written (flow
 * control), and acknowledges or refuses each file.
 */
import { parseReceiverExtension, type ReceiverExtension } from "../protocol/share-messages.js";
import { KadError } from "../util/errors.js";
import type { ChannelMessage, RtcChannel } from "../webrtc/channel.js";

/** How long a lost connection waits for the receiver's stated reason. */
export const REFUSAL_GRACE_MS = 500;

type Ack = Extract<ReceiverExtension, { kad: "ack" }>;
type Waiter = { check(): boolean; resolve(): void; reject(error: Error): void };

export function errorFromPeer(code: string, message: string): KadError {
  const text = message ? `the peer refused: ${message}` : `the peer refused (${code})`;
  switch (code) {
    case "EXISTS":
      return new KadError("EXISTS", text, {
        hint: "The receiver can pass --overwrite, or receive into another directory.",
      });
    case "INTEGRITY":
      return new KadError("INTEGRITY", text, { hint: "Nothing was saved; send it again." });
    case "DISK":
      return new KadError("DISK", text, {
        hint: "The receiver could not store the data; send again once it has fixed that.",
      });
    case "INTERRUPTED":
      return new KadError("PEER_LEFT", "the peer cancelled the transfer");
    default:
      return new KadError("PROTOCOL", text);
  }
}

export class BackChannel {
  private hello = false;
  private single = false;
  private written = 0;
  private ack: Ack | undefined;
  private failure: KadError | undefined;
  private refusal: KadError | undefined;
  private onRefusal: (() => void) | undefined;
  private waiters: Waiter[] = [];

  constructor(channel: RtcChannel) {
    channel.onMessage((message) => this.handle(message));
    channel.closed.then(() =>
      this.fail(new KadError("PEER_LEFT", "the receiver closed the connection")),
    );
  }

  get isKad(): boolean {
    return this.hello;
  }

  /** True when the receiver said it takes one file only (kad receive -o -). */
  get takesOneFile(): boolean {
    return this.single;
  }

  get bytesWritten(): number {
    return this.written;
  }

  /** True once a kad hello arrived, false if none came within `ms`. */
  async waitForHello(ms: number): Promise<boolean> {
    if (this.hello || ms <= 0) return this.hello;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    await Promise.race([this.until(() => this.hello), timeout]).catch(() => {});
    clearTimeout(timer);
    return this.hello;
  }

  /** Resolves once the receiver has written at least `bytes`. */
  waitForWritten(bytes: number): Promise<void> {
    return this.until(() => this.written >= bytes);
  }

  async waitForAck(): Promise<Ack> {
    await this.until(() => this.ack !== undefined);
    return this.ack as Ack;
  }

  /**
   * The receiver's own reason when a send failed because the connection went
   * away: its refusal travels on another channel and may arrive a moment later.
   */
  async reasonFor(error: unknown): Promise<unknown> {
    const lostConnection = error instanceof KadError && error.code === "PEER_LEFT";
    if (this.refusal || !lostConnection) return this.refusal ?? error;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, REFUSAL_GRACE_MS);
      this.onRefusal = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    return this.refusal ?? error;
  }

  private handle(message: ChannelMessage): void {
    if (typeof message !== "string") return;
    const parsed = parseReceiverExtension(message);
    // An original browser never writes here; anything unparseable is ignored.
    if (!parsed.ok) return;
    const m = parsed.message;
    if (m.kad === "hello") {
      this.hello = true;
      this.single = m.single === true;
    } else if (m.kad === "written") this.written = Math.max(this.written, m.bytes);
    else if (m.kad === "ack") this.ack = m;
    else if (m.kad === "error") {
      this.refusal = errorFromPeer(m.code, m.message);
      this.onRefusal?.();
      this.fail(this.refusal);
    }
    this.wake();
  }

  private until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ check, resolve, reject }));
  }

  private wake(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.check()) return true;
      waiter.resolve();
      return false;
    });
  }

  private fail(error: KadError): void {
    if (this.failure) return;
    this.failure = error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}
