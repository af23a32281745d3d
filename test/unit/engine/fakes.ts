/** Fake collaborators for driving the transfer engine without WebRTC or a disk. */
import { createHash } from "node:crypto";
import type { ByteSink, OutgoingChannel } from "../../../src/engine/ports.js";
import { KadError } from "../../../src/util/errors.js";

export const bytesOf = (text: string) => new TextEncoder().encode(text);
export const sha256Of = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

export { nodeSha256 as nodeHash } from "../../../src/transfer/outgoing-file.js";

/** A sink that keeps bytes in memory; `finish` can be held back to test pipelining. */
export class MemorySink implements ByteSink<string> {
  readonly chunks: Uint8Array[] = [];
  onWritten: (total: number) => void = () => {};
  committed = false;
  discarded = false;
  private written = 0;
  private gate: Promise<void> = Promise.resolve();
  private openGate: () => void = () => {};

  constructor(
    readonly name: string,
    private readonly log: string[],
  ) {}

  holdFinish(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  releaseFinish(): void {
    this.openGate();
  }

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.written += chunk.length;
    this.onWritten(this.written);
  }

  async finish(): Promise<void> {
    await this.gate;
  }

  async commit(): Promise<string> {
    this.committed = true;
    this.log.push(`commit ${this.name}`);
    return `stored:${this.name}`;
  }

  async discard(): Promise<void> {
    this.discarded = true;
    this.log.push(`discard ${this.name}`);
  }

  text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

/** This side's channel: records what was sent, closes on demand. */
export class FakeChannel implements OutgoingChannel {
  readonly sent: Array<string | Uint8Array> = [];
  maxMessageSize = 0;
  private closed = false;
  private closeWaiters: Array<() => void> = [];

  sendText(text: string): void {
    if (this.closed) throw new KadError("PEER_LEFT", "closed");
    this.sent.push(text);
  }

  async sendBinary(chunk: Uint8Array): Promise<void> {
    if (this.closed) throw new KadError("PEER_LEFT", "closed");
    this.sent.push(chunk);
  }

  async drain(): Promise<void> {}

  async closedWithin(ms: number): Promise<boolean> {
    if (this.closed) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  close(): void {
    this.closed = true;
    for (const wake of this.closeWaiters.splice(0)) wake();
  }

  texts(): unknown[] {
    return this.sent.filter((m): m is string => typeof m === "string").map((m) => JSON.parse(m));
  }
}

export const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
