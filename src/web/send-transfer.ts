/**
 * Sends the files a person picked for one member, through the transfer
 * engine (src/engine/file-sender.ts) on the sender's own `share` channel.
 *
 *   connect --hello with session:true--> every file on this connection, the
 *      |                                 next one's bytes while the last is
 *      |                                 verified (at most MAX_UNACKED_FILES
 *      |                                 unacknowledged), then the session end
 *      └--other kad receiver or silence--> one connection (initiate) per file;
 *                                          to kad, the session end after the last
 *
 * Before anything else on each connection the receiver proves the code
 * (send-code-check.ts). An original browser receiver (it never says hello)
 * gets exactly the original protocol, once the person allowed it, and its
 * closing the channel means done.
 */
import {
  confirmFile,
  type OutgoingFile,
  type SendContext,
  sendFileBytes,
  sendSessionEnd,
} from "../engine/file-sender.js";
import type { OutgoingChannel } from "../engine/ports.js";
import { ReceiverReplies } from "../engine/receiver-replies.js";
import { sendPipelined } from "../engine/session-sender.js";
import { HELLO_WAIT_MS } from "../engine/transfer-limits.js";
import { encodeShareMessage } from "../protocol/share-messages.js";
import { channelClosed, connectionLost } from "./channel-waits.js";
import { outgoingBrowserFile } from "./outgoing-browser-file.js";
import { PageError } from "./page-error.js";
import type { PeerLink } from "./peer-link.js";
import { channelGone, rtcOutgoingChannel } from "./rtc-outgoing-channel.js";
import { checkReceiverCode, type SenderCode } from "./send-code-check.js";
import { createSha256 } from "./sha256.js";
import { transferPageError } from "./transfer-errors.js";

export interface SendObserver {
  /** A new connection carries the files from `index` on. */
  onConnection(index: number): void;
  onStart(index: number): void;
  onProgress(index: number, bytes: number): void;
  /** `verified`: the receiver confirmed size and SHA-256 (kad only). */
  onDone(index: number, verified: boolean): void;
}

export interface SendRequest {
  files: File[];
  /** A new connection to the receiver (one initiate). */
  connect(): Promise<PeerLink>;
  /** Cancelling tells a kad receiver why the bytes stop. */
  signal: AbortSignal;
  /** The room's code, proved to every receiver that can check it (send-code-check.ts). */
  code?: SenderCode;
  observer: SendObserver;
}

interface Connection {
  pc: RTCPeerConnection;
  channel: OutgoingChannel;
  replies: ReceiverReplies;
  /** Rejects once the connection or the receiver's channel is gone. */
  lost: Promise<never>;
}

export async function sendFiles(request: SendRequest): Promise<void> {
  try {
    const first = await open(request, 0);
    const kad = await first.replies.waitForHello(HELLO_WAIT_MS);
    await Promise.race([checkReceiverCode(first, request.code), first.lost]);
    if (request.files.length > 1 && first.replies.takesOneFile) refuseSingle(first, request);
    if (first.replies.takesSession) await sendOverOneConnection(request, first);
    else await sendConnectionPerFile(request, first, kad);
  } catch (error) {
    throw transferPageError(error, "send");
  }
}

async function open(request: SendRequest, index: number): Promise<Connection> {
  request.observer.onConnection(index);
  const link = await request.connect();
  const replies = new ReceiverReplies();
  link.inbox.listen((message) =>
    replies.feed(typeof message === "string" ? message : new Uint8Array(message)),
  );
  const lost = Promise.race([connectionLost(link), channelClosed(link.remote)]).then(() => {
    throw channelGone();
  });
  lost.catch((error) => replies.fail(error));
  const channel = rtcOutgoingChannel(link.own, link.pc);
  request.signal.addEventListener("abort", () => tellCancelled(channel, replies), { once: true });
  return { pc: link.pc, channel, replies, lost };
}

function tellCancelled(channel: OutgoingChannel, replies: ReceiverReplies): void {
  if (!replies.isKad) return;
  const message = "cancelled in the browser";
  try {
    channel.sendText(encodeShareMessage({ kad: "error", code: "INTERRUPTED", message }));
  } catch {
    // Already closed: the receiver notices by itself.
  }
}

function contextFor(connection: Connection, session: boolean): SendContext {
  return {
    channel: connection.channel,
    replies: connection.replies,
    hash: createSha256,
    session,
    resume: false,
    sentBefore: 0,
    onProgress: () => {},
  };
}

async function sendOverOneConnection(request: SendRequest, connection: Connection): Promise<void> {
  const { files, observer } = request;
  const context = contextFor(connection, true);
  const failed = failureOf(connection.lost);
  let bytes = 0;
  await sendPipelined(files.length, context, {
    open: (index) => outgoingBrowserFile(files[index] as File),
    send: (index, file) => {
      observer.onStart(index);
      context.onProgress = (done) => observer.onProgress(index, done);
      return sendFileBytes(file, context);
    },
    confirmed: (index, _, sent) => {
      bytes += sent.bytes;
      observer.onDone(index, true);
    },
    race: (promise) => Promise.race([promise, failed.promise]),
    fail: failed.fail,
  });
  await endSession(connection, files.length, bytes);
}

async function sendConnectionPerFile(
  request: SendRequest,
  first: Connection,
  kad: boolean,
): Promise<void> {
  const { files, observer } = request;
  let connection = first;
  let bytes = 0;
  for (const [index, picked] of files.entries()) {
    if (index > 0) {
      connection = await open(request, index);
      await connection.replies.waitForHello(kad ? HELLO_WAIT_MS : 0);
      await Promise.race([checkReceiverCode(connection, request.code), connection.lost]);
    }
    const file: OutgoingFile = outgoingBrowserFile(picked);
    const context = contextFor(connection, false);
    context.onProgress = (done) => observer.onProgress(index, done);
    observer.onStart(index);
    const sending = sendFileBytes(file, context).then((sent) => confirmFile(file, sent, context));
    await Promise.race([sending, connection.lost]);
    bytes += file.size;
    observer.onDone(index, connection.replies.isKad);
  }
  if (connection.replies.isKad) await endSession(connection, files.length, bytes);
}

/** Tells a kad receiver nothing more follows; it closes once it has read that. */
async function endSession(connection: Connection, files: number, bytes: number): Promise<void> {
  sendSessionEnd(connection.channel, files, bytes);
  await connection.channel.drain();
}

/** `kad receive -o -` takes one file: say why nothing comes, then fail. */
function refuseSingle(connection: Connection, request: SendRequest): never {
  const count = request.files.length;
  const message = `the receiver writes to stdout (-o -) and takes one file, but ${count} were chosen`;
  connection.channel.sendText(encodeShareMessage({ kad: "error", code: "PROTOCOL", message }));
  throw new PageError("protocol", `The receiver takes a single file, but ${count} were chosen.`);
}

/** The first failure among pipelined confirmations, or the connection's loss. */
function failureOf(lost: Promise<never>): { promise: Promise<never>; fail(error: unknown): void } {
  let fail: (error: unknown) => void = () => {};
  const failure = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const promise = Promise.race([failure, lost]);
  promise.catch(() => {});
  return { promise, fail };
}
