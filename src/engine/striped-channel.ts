/**
 * The sender's side of lanes (share-messages.ts, "Lanes"): an OutgoingChannel
 * that spreads file bytes over the share channel and the lanes opened so far.
 * Bytes go in stripes of up to `stripeBytes`, each on the channel with the
 * least queued; a stripe on a lane is announced on the share channel once it
 * is complete, before anything else goes there, so the receiver can put the
 * bytes back in order. Text always goes on the share channel.
 */
import { encodeShareMessage } from "../protocol/share-messages.js";
import type { MeasuredChannel, OutgoingChannel } from "./ports.js";

/** Bytes sent on one channel before the next stripe may pick another. */
export const STRIPE_BYTES = 1024 * 1024;

interface Stripe {
  /** 0: the share channel itself (no marker needed). */
  lane: number;
  channel: MeasuredChannel;
  bytes: number;
}

export class StripedChannel implements OutgoingChannel {
  private readonly lanes = new Map<number, MeasuredChannel>();
  private stripe: Stripe | undefined;
  /** The lane of the last stripe: ties go to the next one, in turn. */
  private lastLane = 0;
  /** Bytes that went on each lane (0: the share channel), for the bench and the events. */
  readonly bytesPerLane = new Map<number, number>();

  constructor(
    private readonly main: MeasuredChannel,
    private readonly stripeBytes = STRIPE_BYTES,
  ) {}

  get maxMessageSize(): number {
    return this.main.maxMessageSize;
  }

  /** Lane `lane` is open: later stripes may use it. */
  addLane(lane: number, channel: MeasuredChannel): void {
    this.lanes.set(lane, channel);
  }

  sendText(text: string): void {
    this.endStripe();
    this.main.sendText(text);
  }

  async sendBinary(chunk: Uint8Array): Promise<void> {
    if (!this.stripe || this.stripe.bytes + chunk.length > this.stripeBytes) {
      this.endStripe();
      this.stripe = this.nextStripe();
    }
    const stripe = this.stripe;
    stripe.bytes += chunk.length;
    this.bytesPerLane.set(stripe.lane, (this.bytesPerLane.get(stripe.lane) ?? 0) + chunk.length);
    await stripe.channel.sendBinary(chunk);
  }

  async drain(): Promise<void> {
    this.endStripe();
    await Promise.all([this.main, ...this.lanes.values()].map((channel) => channel.drain()));
  }

  closedWithin(ms: number): Promise<boolean> {
    return this.main.closedWithin(ms);
  }

  /** Announces the stripe in progress, if it went on a lane. */
  private endStripe(): void {
    const stripe = this.stripe;
    this.stripe = undefined;
    if (!stripe || stripe.lane === 0 || stripe.bytes === 0) return;
    this.main.sendText(
      encodeShareMessage({ kad: "stripe", lane: stripe.lane, bytes: stripe.bytes }),
    );
  }

  /**
   * The open channel with the least queued. Ties (all empty: the sender, not
   * the connection, is the bottleneck) go round in turn after the last one.
   */
  private nextStripe(): Stripe {
    const open: Array<[number, MeasuredChannel]> = [[0, this.main]];
    for (const [lane, channel] of this.lanes) if (channel.isOpen) open.push([lane, channel]);
    const after = open.findIndex(([lane]) => lane === this.lastLane) + 1;
    const inTurn = [...open.slice(after), ...open.slice(0, after)];
    let [lane, channel] = inTurn[0] as [number, MeasuredChannel];
    for (const [other, candidate] of inTurn) {
      if (candidate.bufferedAmount < channel.bufferedAmount) [lane, channel] = [other, candidate];
    }
    this.lastLane = lane;
    return { lane, channel, bytes: 0 };
  }
}
