/**
 * The sender's reader of the receiver's own `share` channel: an original
 * browser stays silent there; a kad receiver says hello, reports bytes
 * stored on this connection (flow control), and acknowledges or refuses
 * each file, in the order the files were sent.
 */
import {
  KAD_PAKE_VERSION,
  parseReceiverExtension,
  type ReceiverExtension,
  type ResumeOffer,
} from "../protocol/share-messages.js";
import { KadError } from "../util/errors.js";
import { errorFromPeer } from "./peer-errors.js";
import type { ChannelMessage } from "./ports.js";
import { REFUSAL_GRACE_MS } from "./transfer-limits.js";

export type Ack = Extract<ReceiverExtension, { kad: "ack" }>;
type PakeReply = Extract<ReceiverExtension, { kad: "pake" } | { kad: "confirm" }>;
type Hello = Extract<ReceiverExtension, { kad: "hello" }>;
export type LaneAnswer = Extract<ReceiverExtension, { kad: "lane" }>;
type Waiter = { check(): boolean; resolve(): void; reject(error: Error): void };

/** Most acknowledgements held unclaimed; a sender claims each one as it finishes a file. */
const MAX_PENDING_ACKS = 1024;

const ackTimeout = () =>
  new KadError("TIMEOUT", "the receiver did not confirm the file in time", {
    hint: "Check on the other side whether it arrived; send it again if not.",
  });

const pakeTimeout = () =>
  new KadError("TIMEOUT", "the receiver did not answer the code check in time", {
    hint: "Nothing was sent. Try again; check that both sides can reach each other.",
  });

export class ReceiverReplies {
  private hello: Hello | undefined;
  private written = 0;
  private readonly acks: Ack[] = [];
  private resumeAnswer: number | undefined;
  private pakeShare: string | undefined;
  private pakeConfirm: string | undefined;
  private readonly laneAnswers = new Map<number, LaneAnswer>();
  private failure: KadError | undefined;
  private refusal: KadError | undefined;
  private waiters: Waiter[] = [];

  get isKad(): boolean {
    return this.hello !== undefined;
  }

  /** The receiver's hello offers the PAKE of this version. */
  get offersPake(): boolean {
    return this.hello?.pake === KAD_PAKE_VERSION;
  }

  /** The receiver's CPace share (hex), once it arrives within `ms`. */
  async receiverShare(ms: number): Promise<string> {
    await this.until(() => this.pakeShare !== undefined, ms, pakeTimeout);
    return this.pakeShare as string;
  }

  /** The receiver's key confirmation (hex), once it arrives within `ms`. */
  async receiverConfirmation(ms: number): Promise<string> {
    await this.until(() => this.pakeConfirm !== undefined, ms, pakeTimeout);
    return this.pakeConfirm as string;
  }

  /** The receiver takes one file only (kad receive -o -). */
  get takesOneFile(): boolean {
    return this.hello?.single === true;
  }

  /** The receiver takes every file of a send on this one connection. */
  get takesSession(): boolean {
    return this.hello?.session === true;
  }

  /** Feeds one message from the receiver's channel. Never throws. */
  feed(message: ChannelMessage): void {
    if (typeof message !== "string") return;
    const parsed = parseReceiverExtension(message);
    // An original browser never writes here; anything unparseable is ignored.
    if (!parsed.ok) return;
    const m = parsed.message;
    if (m.kad === "hello") this.hello ??= m;
    else if (m.kad === "written") this.written = Math.max(this.written, m.bytes);
    else if (m.kad === "ack") this.noteAck(m);
    else if (m.kad === "acks") for (const file of m.files) this.noteAck({ kad: "ack", ...file });
    else if (m.kad === "resume") this.resumeAnswer ??= m.bytes;
    else if (m.kad === "pake" || m.kad === "confirm") this.notePake(m);
    else if (m.kad === "lane") this.laneAnswers.set(m.lane, m);
    else {
      this.refusal = errorFromPeer(m.code, m.message);
      this.fail(this.refusal);
    }
    this.wake();
  }

  /** Ends every wait with `error` (the channel closed, the connection died). */
  fail(error: KadError): void {
    if (this.failure) return;
    this.failure = error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  /** True once a kad hello arrived, false if none came within `ms`. */
  async waitForHello(ms: number): Promise<boolean> {
    if (this.isKad || ms <= 0) return this.isKad;
    await this.until(() => this.isKad, ms).catch(() => {});
    return this.isKad;
  }

  /** Resolves once the receiver has stored at least `bytes` of this connection. */
  waitForWritten(bytes: number): Promise<void> {
    return this.until(() => this.written >= bytes);
  }

  /** Extra connections the receiver accepts for striping file bytes (share-messages.ts, "Lanes"). */
  get lanes(): number {
    return this.hello?.lanes ?? 0;
  }

  /** The receiver's answer to the offer of lane `lane`, within `ms`. */
  async laneAnswer(lane: number, ms: number): Promise<LaneAnswer> {
    await this.until(() => this.laneAnswers.has(lane), ms);
    return this.laneAnswers.get(lane) as LaneAnswer;
  }

  /** Partial files the receiver holds and offers to continue. */
  get resumeOffers(): ResumeOffer[] {
    return this.hello?.resume ?? [];
  }

  /** The receiver's answer to a proposal to resume: the byte to send from. */
  async resumeFrom(ms: number): Promise<number> {
    await this.until(() => this.resumeAnswer !== undefined, ms);
    const bytes = this.resumeAnswer as number;
    this.resumeAnswer = undefined;
    return bytes;
  }

  /** The next file's acknowledgement, in the order files were sent. */
  async nextAck(ms: number): Promise<Ack> {
    await this.until(() => this.acks.length > 0, ms);
    return this.acks.shift() as Ack;
  }

  /**
   * The receiver's own reason when a send failed because the connection went
   * away: its refusal travels on another channel and may arrive a moment later.
   */
  async reasonFor(error: unknown): Promise<unknown> {
    const lostConnection = error instanceof KadError && error.code === "PEER_LEFT";
    if (this.refusal || !lostConnection) return this.refusal ?? error;
    const refused = new Promise<void>((resolve) => {
      const settle = () => resolve();
      this.waiters.push({
        check: () => this.refusal !== undefined,
        resolve: settle,
        reject: settle,
      });
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, REFUSAL_GRACE_MS);
    });
    await Promise.race([refused, grace]);
    clearTimeout(timer);
    return this.refusal ?? error;
  }

  private notePake(message: PakeReply): void {
    if (message.kad === "pake") this.pakeShare ??= message.share;
    else this.pakeConfirm ??= message.mac;
  }

  private noteAck(ack: Ack): void {
    if (this.acks.length >= MAX_PENDING_ACKS) {
      this.fail(new KadError("PROTOCOL", "the receiver acknowledged files that were never sent"));
      return;
    }
    this.acks.push(ack);
  }

  private until(check: () => boolean, ms?: number, timeout = ackTimeout): Promise<void> {
    if (check()) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiter: Waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      if (ms !== undefined) {
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(timeout());
        }, ms);
      }
      this.waiters.push(waiter);
    });
  }

  private wake(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.check()) return true;
      waiter.resolve();
      return false;
    });
  }
}
