/**
 * The receiver's side of lanes (share-messages.ts, "Lanes"): puts the bytes
 * a kad sender striped over extra peer connections back in file order. Each
 * stripe marker on the sender's share channel is replaced by the next bytes
 * that arrived on its lane; every other message passes on in the order it
 * came. What sits behind it (the FileReceiver) sees one ordered channel, as
 * without lanes.
 */
import { MAX_LANES } from "../protocol/limits.js";
import { parseSenderExtension, type SenderExtension } from "../protocol/share-messages.js";
import { KadError } from "../util/errors.js";
import type { ChannelMessage } from "./ports.js";
import { MAX_QUEUED_BYTES } from "./transfer-limits.js";

export type LaneOffer = Extract<SenderExtension, { kad: "lane" }>;
type Stripe = Extract<SenderExtension, { kad: "stripe" }>;

/** Share-channel messages held while a stripe waits for its lane. */
export const MAX_HELD_MESSAGES = 4096;

// The sender's encoder puts "kad" first; anything else is no lane message.
const LANE_PREFIX = '{"kad":"lane"';
const STRIPE_PREFIX = '{"kad":"stripe"';

export interface MergerHost {
  /** The next message in file order, for the FileReceiver. */
  deliver(message: ChannelMessage): void;
  /** The sender offers lane `offer.lane`; the host answers it (or fails the merger). */
  laneOffered(offer: LaneOffer): void;
  /** The sender broke the lane rules, or a lane it still needed closed. */
  fail(error: KadError): void;
}

interface Lane {
  chunks: Uint8Array[];
  closed: boolean;
}

/** A stripe being filled from its lane: how many of its bytes are still to come. */
interface OpenStripe {
  lane: number;
  left: number;
}

export class LaneMerger {
  private readonly lanes = new Map<number, Lane>();
  private readonly held: Array<ChannelMessage | Stripe> = [];
  private current: OpenStripe | undefined;
  private queuedBytes = 0;
  private failed = false;
  private codeProved = false;

  constructor(
    private readonly host: MergerHost,
    /** Lanes this side offered in its hello; 0: any lane message is a protocol error. */
    private readonly maxLanes: number,
  ) {}

  /** The sender proved the code: lanes set up over its connection are authenticated too. */
  markVerified(): void {
    this.codeProved = true;
  }

  /** Feeds one message of the sender's share channel (after the code check). */
  handleShare(message: ChannelMessage): void {
    if (this.failed) return;
    if (typeof message === "string" && message.startsWith(LANE_PREFIX)) {
      this.offer(message);
      return;
    }
    const item =
      typeof message === "string" && message.startsWith(STRIPE_PREFIX)
        ? this.stripe(message)
        : message;
    if (item === undefined) return;
    if (this.held.length === 0 && !isStripe(item)) {
      this.host.deliver(item);
      return;
    }
    if (this.held.length >= MAX_HELD_MESSAGES) {
      this.fail("the sender sent too much ahead of its lanes");
      return;
    }
    if (item instanceof Uint8Array) {
      this.count(item.length);
      if (this.failed) return;
    }
    this.held.push(item);
    this.release();
  }

  /** Feeds one message that arrived on lane `lane`. */
  handleLane(lane: number, message: ChannelMessage): void {
    if (this.failed) return;
    const state = this.lanes.get(lane);
    if (!state || typeof message === "string") {
      this.fail(
        `the sender sent ${typeof message === "string" ? "text" : "bytes"} on lane ${lane}`,
      );
      return;
    }
    this.count(message.length);
    if (this.failed) return;
    state.chunks.push(message);
    this.release();
  }

  /** Lane `lane` is answered: its bytes may come. */
  addLane(lane: number): void {
    this.lanes.set(lane, { chunks: [], closed: false });
  }

  /** Lane `lane` closed; fine unless a stripe still needs bytes from it. */
  laneClosed(lane: number): void {
    const state = this.lanes.get(lane);
    if (!state || state.closed) return;
    state.closed = true;
    this.release();
  }

  private offer(text: string): void {
    const parsed = parseSenderExtension(text);
    if (!parsed.ok || parsed.message.kad !== "lane") {
      this.fail(`a lane offer with ${parsed.ok ? "another kind" : parsed.reason}`);
      return;
    }
    const { lane } = parsed.message;
    if (!this.codeProved) {
      this.fail("the sender offered a lane without proving the code");
      return;
    }
    if (lane > Math.min(this.maxLanes, MAX_LANES) || this.lanes.has(lane)) {
      this.fail(`the sender offered lane ${lane}, which was not agreed`);
      return;
    }
    this.addLane(lane);
    this.host.laneOffered(parsed.message);
  }

  private stripe(text: string): Stripe | undefined {
    const parsed = parseSenderExtension(text);
    if (!parsed.ok || parsed.message.kad !== "stripe") {
      this.fail(`a stripe marker with ${parsed.ok ? "another kind" : parsed.reason}`);
      return undefined;
    }
    if (!this.lanes.has(parsed.message.lane)) {
      this.fail(`a stripe on lane ${parsed.message.lane}, which was never opened`);
      return undefined;
    }
    return parsed.message;
  }

  /** Delivers held messages in order until one waits for bytes not yet here. */
  private release(): void {
    while (!this.failed && this.held.length > 0) {
      const head = this.held[0] as ChannelMessage | Stripe;
      if (isStripe(head) && !this.fillStripe(head)) return;
      this.held.shift();
      if (head instanceof Uint8Array) this.queuedBytes -= head.length;
      if (!isStripe(head)) this.host.deliver(head);
    }
  }

  /** Delivers the stripe's bytes that are here; true once all of them went. */
  private fillStripe(stripe: Stripe): boolean {
    this.current ??= { lane: stripe.lane, left: stripe.bytes };
    const lane = this.lanes.get(stripe.lane) as Lane;
    while (this.current.left > 0 && lane.chunks.length > 0) {
      const chunk = lane.chunks[0] as Uint8Array;
      if (chunk.length > this.current.left) {
        this.fail(`lane ${stripe.lane} sent more bytes than its stripe`);
        return false;
      }
      lane.chunks.shift();
      this.queuedBytes -= chunk.length;
      this.current.left -= chunk.length;
      this.host.deliver(chunk);
      if (this.failed) return false;
    }
    if (this.current.left > 0) {
      if (lane.closed) {
        this.fail(`lane ${stripe.lane} of the connection closed mid-file`, "PEER_LEFT");
      }
      return false;
    }
    this.current = undefined;
    return true;
  }

  private count(bytes: number): void {
    this.queuedBytes += bytes;
    if (this.queuedBytes > MAX_QUEUED_BYTES)
      this.fail("the sender sent too much ahead of its lanes");
  }

  private fail(message: string, code: "PROTOCOL" | "PEER_LEFT" = "PROTOCOL"): void {
    if (this.failed) return;
    this.failed = true;
    this.held.length = 0;
    for (const lane of this.lanes.values()) lane.chunks.length = 0;
    this.host.fail(new KadError(code, message));
  }
}

function isStripe(item: ChannelMessage | Stripe): item is Stripe {
  return typeof item === "object" && !(item instanceof Uint8Array);
}
