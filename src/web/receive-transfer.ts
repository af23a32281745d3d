/**
 * Receives the files of one connection through the transfer engine
 * (src/engine/file-receiver.ts): the page says hello on its own channel
 * (taking every file of a kad sender's session), feeds the sender's channel
 * to a FileReceiver<Blob>, and keeps each verified file as a Blob. The
 * engine validates every frame, verifies sizes and SHA-256 and answers a kad
 * sender (written, ack, error); this adapter adds what only the page does:
 * its sinks, the partials this tab offers to resume (file-sinks.ts), Cancel,
 * a stall timeout, and closing the sender's channel.
 */
import { FileReceiver, type IncomingFile, type ReceivedFile } from "../engine/file-receiver.js";
import { PakeGate, ReceiverPake } from "../engine/pake.js";
import { sdpFingerprint } from "../protocol/sdp-fingerprint.js";
import {
  encodeShareMessage,
  KAD_PAKE_VERSION,
  KAD_SHARE_VERSION,
} from "../protocol/share-messages.js";
import { KadError } from "../util/errors.js";
import { channelClosed, connectionLost } from "./channel-waits.js";
import { continuePartial, openFileSink, tabPartials } from "./file-sinks.js";
import { PageError } from "./page-error.js";
import type { PeerLink } from "./peer-link.js";
import type { ReceiveSink } from "./receive-sink.js";
import { channelGone } from "./rtc-outgoing-channel.js";
import { createSha256 } from "./sha256.js";
import { watchForStall } from "./stall-watch.js";
import { transferPageError } from "./transfer-errors.js";

export type { IncomingFile };
export type PageReceivedFile = ReceivedFile<Blob>;

/**
 * The page has no --timeout: a sender whose bytes stop this long is given up
 * on, so a member cannot hold this tab's incoming slots forever. Long enough
 * for a kad sender reading a slow pipe to pause.
 */
export const RECEIVE_STALL_MS = 5 * 60_000;
/** Head start for a refusal on the back channel before the sender's channel closes. */
export const GOODBYE_MS = 500;

export interface ReceiveObserver {
  onFile(file: IncomingFile): void;
  /** Where the file's bytes go, once its sink is open. */
  onSink?(file: IncomingFile, kind: ReceiveSink["kind"]): void;
  onProgress(file: IncomingFile, bytes: number): void;
  onFileDone(file: PageReceivedFile): void;
  /** A kad sender's "session over": every file it meant to send has arrived. */
  onSessionEnd?(summary: { files: number; bytes: number }): void;
}

/** Resolves with the connection's files once it carries no more; rejects with a PageError. */
export async function receiveFiles(
  link: PeerLink,
  signal: AbortSignal,
  observer: ReceiveObserver,
  code?: { room: string; secret: string | undefined },
): Promise<PageReceivedFile[]> {
  let peerIsKad = false;
  const receiver = new FileReceiver<Blob>({
    hash: createSha256,
    openSink: (file) => openFileSink(file, (kind) => observer.onSink?.(file, kind)),
    resume: (file, proposal) =>
      continuePartial(file, proposal, (kind) => observer.onSink?.(file, kind)),
    sendBack: (text) => {
      if (link.own.readyState !== "open") throw channelGone();
      link.own.send(text);
    },
    onFile: (file) => {
      peerIsKad = file.fromKad;
      observer.onFile(file);
    },
    onProgress: (file, bytes) => observer.onProgress(file, bytes),
    onFileDone: (file) => observer.onFileDone(file),
    onEnd: (summary) => observer.onSessionEnd?.(summary),
  });
  const stall = watchForStall(RECEIVE_STALL_MS, () => void receiver.abort(stalled(), true));
  const pake = receiverPake(link, code);
  // Harmless to an original sender, which only logs what arrives here.
  sayHello(link, pake);
  const gate = codeCheckGate(link, pake, receiver);
  link.inbox.listen((message) => {
    stall.touch();
    gate.handle(typeof message === "string" ? message : new Uint8Array(message));
  });
  const gone = () => void receiver.abort(channelGone());
  void channelClosed(link.remote).then(gone);
  connectionLost(link).catch(gone);
  signal.addEventListener("abort", () => void stop(receiver, signal.reason), { once: true });
  try {
    const files = await receiver.finished;
    // An original sender takes the receiver's close as completion; a kad
    // sender waits for it after its session end.
    link.remote.close();
    return files;
  } catch (error) {
    // Channels are not ordered with each other: closing at once could reach a
    // kad sender before the error that says why.
    if (peerIsKad) setTimeout(() => link.remote.close(), GOODBYE_MS);
    else link.remote.close();
    throw transferPageError(error, "receive");
  } finally {
    stall.stop();
  }
}

/**
 * Says hello (with the code check it offers and the partials this tab kept,
 * once those being kept at this moment are among them), then its half of the
 * code check.
 */
function sayHello(link: PeerLink, pake: ReceiverPake | undefined): void {
  const send = () => {
    if (link.own.readyState !== "open") return;
    const offers = tabPartials.offers();
    const hello = encodeShareMessage({
      kad: "hello",
      v: KAD_SHARE_VERSION,
      ...(pake ? { pake: KAD_PAKE_VERSION } : {}),
      session: true,
      ...(offers.length > 0 ? { resume: offers } : {}),
    });
    link.own.send(hello);
    if (pake) link.own.send(encodeShareMessage(pake.shareMessage));
  };
  const keeping = tabPartials.settled();
  if (keeping) void keeping.then(send);
  else send();
}

/** With the secret words from the link, the page proves the code like kad receive does. */
function receiverPake(
  link: PeerLink,
  code: { room: string; secret: string | undefined } | undefined,
): ReceiverPake | undefined {
  if (!code?.secret) return undefined;
  const local = sdpFingerprint(link.pc.localDescription?.sdp ?? "");
  const remote = sdpFingerprint(link.pc.remoteDescription?.sdp ?? "");
  if (!local || !remote) return undefined;
  return new ReceiverPake({
    secret: code.secret,
    room: code.room,
    localFingerprint: local,
    remoteFingerprint: remote,
  });
}

/** Nothing reaches the FileReceiver before the sender proved the code (or skipped the check). */
function codeCheckGate(
  link: PeerLink,
  pake: ReceiverPake | undefined,
  receiver: FileReceiver<Blob>,
): PakeGate {
  return new PakeGate(pake, {
    send: (text) => {
      if (link.own.readyState === "open") link.own.send(text);
    },
    onVerified: () => {},
    onUnverified: () => {},
    onFailed: (error) => void receiver.abort(error),
    deliver: (message) => receiver.handle(message),
  });
}

/**
 * The person's Cancel tells the sender and keeps nothing; a sender that left
 * (the room saw it go and its connection drop) is past telling, and what
 * arrived stays for a resume.
 */
function stop(receiver: FileReceiver<Blob>, reason: unknown): Promise<void> {
  if (reason instanceof PageError && reason.kind === "peer-left") {
    return receiver.abort(channelGone());
  }
  return receiver.abort(new KadError("INTERRUPTED", "cancelled in the browser"), true);
}

function stalled(): KadError {
  const minutes = RECEIVE_STALL_MS / 60_000;
  return new KadError(
    "TIMEOUT",
    `the sender stopped sending: nothing arrived for ${minutes} minutes`,
  );
}
