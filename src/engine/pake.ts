/**
 * The code check between kad peers (share-messages.ts has the sequence
 * diagram): each side is a small state machine around CPace (cpace.ts).
 *
 *   SenderPake:   awaiting-share --share--> awaiting-confirm --good mac--> verified
 *                       └----------bad share / bad mac-----------------> failed
 *   ReceiverPake: awaiting-sender --share+good mac--> verified
 *                       └--------bad share / bad mac--> failed
 *
 * The drivers below run them over a connection, for the CLI and the page
 * alike: the sender's as a function that returns once the receiver proved
 * the code, the receiver's as a gate in front of the FileReceiver that lets
 * nothing through before the sender proved it.
 */
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { WORDS } from "../code/words.js";
import {
  encodeShareMessage,
  KAD_SHARE_VERSION,
  parseSenderExtension,
  type ReceiverExtension,
  type SenderExtension,
} from "../protocol/share-messages.js";
import type { KadError } from "../util/errors.js";
import {
  type CpaceKeys,
  CpaceShare,
  confirmationMac,
  macMatches,
  type Transcript,
} from "./cpace.js";
import { BAD_CODE_MESSAGE, badCode } from "./peer-errors.js";
import type { ChannelMessage, OutgoingChannel } from "./ports.js";
import type { ReceiverReplies } from "./receiver-replies.js";

/** Longest wait for each of the receiver's PAKE messages. */
export const PAKE_STEP_MS = 10_000;
/** Words in the short authentication string that --verify shows. */
export const SAS_WORDS = 5;

export interface PakeParams {
  /** The secret part of the code, lower case. */
  secret: string;
  room: string;
  /** DTLS certificate fingerprints (sdp-fingerprint.ts): this side's and the peer's, as this side sees them. */
  localFingerprint: string;
  remoteFingerprint: string;
  random?: (bytes: number) => Uint8Array;
  /**
   * This side's share made beforehand with prepareShare (it depends on the
   * secret and room only), so that no curve arithmetic waits on the peer.
   * Each share serves one check.
   */
  share?: CpaceShare;
}

type SenderPakeMessage = Extract<SenderExtension, { kad: "pake" }>;
type ReceiverConfirm = Extract<ReceiverExtension, { kad: "confirm" }>;

function transcriptFor(params: PakeParams, ownIsSender: boolean): Transcript {
  const [senderFingerprint, receiverFingerprint] = ownIsSender
    ? [params.localFingerprint, params.remoteFingerprint]
    : [params.remoteFingerprint, params.localFingerprint];
  return { room: params.room, version: KAD_SHARE_VERSION, senderFingerprint, receiverFingerprint };
}

function newShare(params: PakeParams): CpaceShare {
  return params.share ?? prepareShare(params.secret, params.room, params.random);
}

/** A fresh share for one later check (PakeParams.share). */
export function prepareShare(
  secret: string,
  room: string,
  random?: (bytes: number) => Uint8Array,
): CpaceShare {
  return new CpaceShare(secret, room, KAD_SHARE_VERSION, random);
}

/** Five EFF words from the key, the same on both sides only if the key is. */
export function shortAuthenticationString(keys: CpaceKeys): string {
  const view = new DataView(keys.sas.buffer, keys.sas.byteOffset, keys.sas.byteLength);
  return Array.from(
    { length: SAS_WORDS },
    (_, i) => WORDS[view.getUint32(i * 4) % WORDS.length],
  ).join(" ");
}

/** What both machines share: this side's share, the keys once known, the final states. */
abstract class PakeSide<S extends string> {
  protected readonly own: CpaceShare;
  protected keys: CpaceKeys | undefined;

  constructor(
    protected readonly params: PakeParams,
    public state: S | "verified" | "failed",
  ) {
    this.own = newShare(params);
  }

  /** The short authentication string, once verified. */
  get sas(): string | undefined {
    return this.state === "verified" && this.keys
      ? shortAuthenticationString(this.keys)
      : undefined;
  }

  protected failed(): undefined {
    this.state = "failed";
    return undefined;
  }
}

export class SenderPake extends PakeSide<"awaiting-share" | "awaiting-confirm"> {
  constructor(params: PakeParams) {
    super(params, "awaiting-share");
  }

  /** The receiver's share: returns this side's share and confirmation, or undefined (failed). */
  onShare(shareHex: string): SenderPakeMessage | undefined {
    if (this.state !== "awaiting-share") return this.failed();
    this.keys = this.own.keys(hexToBytes(shareHex), true, transcriptFor(this.params, true));
    if (!this.keys) return this.failed();
    this.state = "awaiting-confirm";
    const mac = bytesToHex(confirmationMac(this.keys.senderConfirm, "sender"));
    return { kad: "pake", share: bytesToHex(this.own.share), mac };
  }

  /** The receiver's confirmation: true once verified. */
  onConfirm(macHex: string): boolean {
    const keys = this.keys;
    if (this.state !== "awaiting-confirm" || !keys) return this.failed() ?? false;
    const good = macMatches(keys.receiverConfirm, "receiver", hexToBytes(macHex));
    this.state = good ? "verified" : "failed";
    return good;
  }
}

export class ReceiverPake extends PakeSide<"awaiting-sender"> {
  constructor(params: PakeParams) {
    super(params, "awaiting-sender");
  }

  /** What this side sends as its channel opens, right after the hello. */
  get shareMessage(): ReceiverExtension {
    return { kad: "pake", share: bytesToHex(this.own.share) };
  }

  /** The sender's share and confirmation: this side's confirmation, or undefined (failed). */
  onSender(message: SenderPakeMessage): ReceiverConfirm | undefined {
    if (this.state !== "awaiting-sender") return this.failed();
    const keys = this.own.keys(hexToBytes(message.share), false, transcriptFor(this.params, false));
    if (!keys || !macMatches(keys.senderConfirm, "sender", hexToBytes(message.mac))) {
      return this.failed();
    }
    this.keys = keys;
    this.state = "verified";
    return { kad: "confirm", mac: bytesToHex(confirmationMac(keys.receiverConfirm, "receiver")) };
  }
}

function tellBadCode(channel: OutgoingChannel): KadError {
  try {
    channel.sendText(
      encodeShareMessage({ kad: "error", code: "BAD_CODE", message: BAD_CODE_MESSAGE }),
    );
  } catch {
    // The receiver fails its own check or notices the close.
  }
  return badCode();
}

/**
 * The sender's half over one connection to a receiver whose hello offered
 * the PAKE. Resolves with the short authentication string once the receiver
 * proved the code; rejects with BAD_CODE (after telling the receiver) when it
 * did not. Nothing else is sent on `channel` before it resolves.
 */
export async function proveCodeToReceiver(
  channel: OutgoingChannel,
  replies: ReceiverReplies,
  params: PakeParams,
  stepMs = PAKE_STEP_MS,
): Promise<string> {
  const pake = new SenderPake(params);
  const answer = pake.onShare(await replies.receiverShare(stepMs));
  if (!answer) throw tellBadCode(channel);
  channel.sendText(encodeShareMessage(answer));
  if (!pake.onConfirm(await replies.receiverConfirmation(stepMs))) throw tellBadCode(channel);
  return pake.sas as string;
}

export interface GateHost {
  /** Sends a text message on this side's own channel. */
  send(text: string): void;
  /** The sender proved the code. */
  onVerified(sas: string): void;
  /** The sender skipped the PAKE (an original client): nothing can be verified. */
  onUnverified(): void;
  /** The check failed; the sender was told. */
  onFailed(error: KadError): void;
  /** Everything after the check: the FileReceiver's input. */
  deliver(message: ChannelMessage): void;
}

/**
 * The receiver's half: holds back the sender's messages until the sender
 * proved the code. `pake` is undefined when this side has no secret (a
 * room without one): a kad sender's PAKE then fails.
 */
export class PakeGate {
  state: "checking" | "open" | "failed" = "checking";

  constructor(
    private readonly pake: ReceiverPake | undefined,
    private readonly host: GateHost,
  ) {}

  /** Feeds one message from the sender's channel. */
  handle(message: ChannelMessage): void {
    if (this.state === "failed") return;
    if (this.state === "open") {
      this.host.deliver(message);
      return;
    }
    const extension = typeof message === "string" ? parseSenderExtension(message) : undefined;
    if (extension?.ok && extension.message.kad === "pake") {
      this.check(extension.message);
      return;
    }
    // A refusal may come before anything else (e.g. several files for -o -).
    if (!(extension?.ok && extension.message.kad === "error")) {
      this.state = "open";
      this.host.onUnverified();
    }
    this.host.deliver(message);
  }

  private check(message: SenderPakeMessage): void {
    const confirm = this.pake?.onSender(message);
    if (!confirm) {
      this.state = "failed";
      const error = badCode();
      this.host.send(
        encodeShareMessage({ kad: "error", code: "BAD_CODE", message: error.message }),
      );
      this.host.onFailed(error);
      return;
    }
    this.state = "open";
    this.host.send(encodeShareMessage(confirm));
    this.host.onVerified(this.pake?.sas as string);
  }
}
