/**
 * One node-datachannel DataChannel with backpressure: `sendBinary` resolves
 * once the channel's send buffer is below the high-water mark again. Holds a
 * reference to the native channel for its whole life (GC would close it).
 */
import type { DataChannel } from "node-datachannel";
import type { OutgoingChannel } from "../engine/ports.js";
import { HIGH_WATER_BYTES, LOW_WATER_BYTES } from "../engine/transfer-limits.js";
import { KadError } from "../util/errors.js";
import { guarded } from "./native.js";

/** Messages held before the owner attaches a handler; more means a misbehaving peer. */
export const MAX_EARLY_MESSAGES = 1024;
const DRAIN_POLL_MS = 20;

export type ChannelMessage = string | Uint8Array;

export class RtcChannel implements OutgoingChannel {
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;
  private isClosed = false;
  private handler: ((message: ChannelMessage) => void) | undefined;
  private early: ChannelMessage[] = [];
  private lowWaiters: Array<() => void> = [];
  private resolveOpened!: () => void;
  private rejectOpened!: (error: Error) => void;
  private resolveClosed!: () => void;

  constructor(
    private readonly native: DataChannel,
    fail: (error: unknown) => void,
  ) {
    this.opened = new Promise((resolve, reject) => {
      this.resolveOpened = resolve;
      this.rejectOpened = reject;
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    native.setBufferedAmountLowThreshold(LOW_WATER_BYTES);
    native.onOpen(guarded(() => this.resolveOpened(), fail));
    native.onClosed(guarded(() => this.markClosed(), fail));
    native.onError(guarded((message: string) => this.markClosed(message), fail));
    native.onBufferedAmountLow(guarded(() => this.wakeSenders(), fail));
    native.onMessage(guarded((message) => this.deliver(message), fail));
    if (native.isOpen()) this.resolveOpened();
  }

  get label(): string {
    return this.native.getLabel();
  }

  get isOpen(): boolean {
    return !this.isClosed && this.native.isOpen();
  }

  get bufferedAmount(): number {
    return this.isClosed ? 0 : this.native.bufferedAmount();
  }

  get maxMessageSize(): number {
    return this.native.maxMessageSize();
  }

  /** Sets the one message handler; messages that arrived earlier are delivered first. */
  onMessage(handler: (message: ChannelMessage) => void): void {
    this.handler = handler;
    for (const message of this.early.splice(0)) handler(message);
  }

  sendText(text: string): void {
    this.assertOpen();
    this.nativeSend(() => this.native.sendMessage(text));
  }

  async sendBinary(chunk: Uint8Array): Promise<void> {
    this.assertOpen();
    this.nativeSend(() => this.native.sendMessageBinary(chunk));
    if (this.native.bufferedAmount() > HIGH_WATER_BYTES) await this.belowLowWater();
  }

  /** Resolves once everything queued has been handed to SCTP, or the channel closed. */
  async drain(): Promise<void> {
    while (this.isOpen && this.native.bufferedAmount() > 0) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  /** Waits for the peer to close the channel, at most `ms`; true if it did. */
  async closedWithin(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const patience = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const closed = await Promise.race([this.closed.then(() => true), patience]);
    clearTimeout(timer);
    return closed;
  }

  close(): void {
    if (this.isClosed) return;
    try {
      this.native.close();
    } catch {
      // Already closed natively.
    }
    this.markClosed();
  }

  private deliver(raw: string | Buffer | ArrayBuffer): void {
    // A Buffer is already a Uint8Array: wrapping it again would copy every chunk.
    const message =
      typeof raw === "string" || raw instanceof Uint8Array ? raw : new Uint8Array(raw);
    if (this.handler) {
      this.handler(message);
      return;
    }
    if (this.early.length >= MAX_EARLY_MESSAGES) {
      throw new KadError("PROTOCOL", "the peer sent too many messages too early");
    }
    this.early.push(message);
  }

  private belowLowWater(): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => (this.isClosed ? reject(this.closedError()) : resolve());
      this.lowWaiters.push(wake);
      if (this.isClosed || this.native.bufferedAmount() <= LOW_WATER_BYTES) this.wakeSenders();
    });
  }

  private wakeSenders(): void {
    for (const wake of this.lowWaiters.splice(0)) wake();
  }

  private markClosed(reason?: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.rejectOpened(
      new KadError("PEER_LEFT", `the data channel closed${reason ? `: ${reason}` : ""}`),
    );
    this.resolveClosed();
    this.wakeSenders();
  }

  /** The native side may have closed before its close callback reached us. */
  private nativeSend(send: () => unknown): void {
    try {
      send();
    } catch (error) {
      this.markClosed();
      throw this.closedError(error);
    }
  }

  private assertOpen(): void {
    if (this.isClosed) throw this.closedError();
  }

  private closedError(cause?: unknown): KadError {
    return new KadError("PEER_LEFT", "the peer closed the connection", {
      hint: "The other side stopped or lost its network; start the transfer again.",
      cause,
    });
  }
}
