/**
 * `kad send` as a programmatic API: create a room under a code, wait for a
 * receiver, then one initiate exchange and one peer connection per file
 * (browser-protocol.md sections 3-4), ending with kad's session-end message
 * when the receiver is kad.
 */
import {
  generateCode,
  generateEmbeddedCode,
  linkFragment,
  normalizeCode,
  type SplitCode,
  splitCode,
} from "../code/share-code.js";
import {
  confirmFile,
  type OutgoingFile,
  type SendContext,
  type SentFile,
  sendFileBytes,
  sendSessionEnd,
} from "../engine/file-sender.js";
import { prepareShare } from "../engine/pake.js";
import { badCode } from "../engine/peer-errors.js";
import type { OutgoingChannel } from "../engine/ports.js";
import { ReceiverReplies } from "../engine/receiver-replies.js";
import { sendPipelined } from "../engine/session-sender.js";
import { StripedChannel } from "../engine/striped-channel.js";
import { HELLO_WAIT_MS } from "../engine/transfer-limits.js";
import { createRoom } from "../protocol/coordinator-client.js";
import { requestServerIce } from "../protocol/ice-servers-client.js";
import type { IceServersReply } from "../protocol/ice-servers-message.js";
import { type HandshakePeer, runInitiator } from "../protocol/initiate-handshake.js";
import { ROOM_TTL_MS } from "../protocol/limits.js";
import { newId } from "../protocol/mop-rpc.js";
import { KAD_RECEIVER_PREFIX, KAD_SENDER_PREFIX } from "../protocol/sender-retry.js";
import { encodeShareMessage } from "../protocol/share-messages.js";
import type { SignalingClient } from "../protocol/signaling-client.js";
import type { Member } from "../protocol/signaling-messages.js";
import { type NodeOutgoingFile, nodeSha256, outgoingFile } from "../transfer/outgoing-file.js";
import type { SendSource } from "../transfer/sources.js";
import { KadError } from "../util/errors.js";
import type { RtcChannel } from "../webrtc/channel.js";
import { loadNative, shutdownNative } from "../webrtc/native.js";
import type { IceConfig, RtcPeer } from "../webrtc/peer.js";
import { type CodeCheckConfig, checkReceiver } from "./code-check.js";
import { nodeFetch, openSignaling, serverLost } from "./connections.js";
import { startEmbeddedServer } from "./embedded-server.js";
import type { EventSink, SessionSummary } from "./events.js";
import { resolveIce } from "./ice.js";
import { lanesWorthOpening, openLanes, type SenderLanes } from "./lanes.js";
import { openPeer, type PreparedPeer, preparePeer } from "./peer-connect.js";
import { type SessionScope, withScope } from "./scope.js";

/** Pause after a receiver appears: an original browser lists us before it answers. */
export const FIRST_INITIATE_DELAY_MS = 300;
/** Fresh codes tried when the server says a generated one is taken. */
export const CODE_ATTEMPTS = 5;
/** After the connection is lost, how long the last file's completion may still arrive. */
export const CONNECTION_LOST_GRACE_MS = 1_000;
/** After the receiver left the room, how long its last file may still take to complete. */
export const RECEIVER_LEFT_GRACE_MS = 2_000;
/** How long a cancel notice may take to reach the receiver before the sender closes anyway. */
export const CANCEL_NOTICE_MS = 1_000;
/** How long the sender lets a kad receiver close after the session-end message. */
export const END_PATIENCE_MS = 5_000;
/** Connections whose receiver failed the code check before the sender gives up the room. */
export const MAX_CODE_FAILURES = 3;

export interface SendConfig {
  sources: SendSource[];
  /** Coordinator base URL; undefined runs the embedded server. */
  server: string | undefined;
  code: string | undefined;
  password: string | undefined;
  iceServers: string[];
  bind: string | undefined;
  /** How long to wait for a receiver (and for any stalled step). */
  timeoutMs: number;
  /** Continue partial files the receiver offers (off with --no-resume). */
  resume: boolean;
  /** Extra connections to stripe large files over, if the receiver takes them (KAD_LANES). */
  lanes: number;
  /** Send to a receiver that cannot prove the code (--allow-unverified-browser). */
  allowUnverified: boolean;
  /** --verify: asks whether the words match on both sides before any byte goes. */
  confirmWords?: (words: string) => Promise<boolean>;
  stdin: AsyncIterable<Uint8Array>;
  env: NodeJS.ProcessEnv;
}

interface Room {
  baseUrl: string;
  code: SplitCode & { secret: string };
  signaling: SignalingClient;
  embedded: boolean;
  timeoutMs: number;
  /** The server's answer to `kad.ice`, requested right after joining. */
  serverIce: Promise<IceServersReply>;
}

interface FileLink {
  /** While true, losing the connection fails the session. */
  active: boolean;
  peer: RtcPeer;
  channel: RtcChannel;
  replies: ReceiverReplies;
}

/** What every file of one send shares. */
interface SendRun {
  scope: SessionScope;
  config: SendConfig;
  emit: EventSink;
  ice: Promise<IceConfig>;
  /** Lanes that carried bytes, once the session is done. */
  lanesUsed: number;
  count: number;
  bytes: number;
}

export async function runSend(
  config: SendConfig,
  emit: EventSink,
  signal: AbortSignal,
): Promise<SessionSummary> {
  return withScope(signal, (scope) => {
    scope.defer(shutdownNative);
    return sendAll(scope, config, emit);
  });
}

async function sendAll(
  scope: SessionScope,
  config: SendConfig,
  emit: EventSink,
): Promise<SessionSummary> {
  const room = await openRoom(scope, config, emit);
  // Loaded while we wait for the receiver, not once it is here.
  void loadNative().catch(() => {});
  // The server's TURN credentials are asked for right after joining; only connecting needs them.
  const ice = room.serverIce.then(({ iceServers: granted }) =>
    resolveIce({ ...config, serverUrl: room.baseUrl, embedded: room.embedded, granted }),
  );
  ice.catch(() => {});
  // While the receiver is on its way: the first offer and its candidates are ready when it comes.
  let spare: Promise<PreparedPeer | undefined> | undefined = ice
    .then((config) => preparePeer(scope, config))
    .catch(() => undefined);
  const takeSpare = () => {
    const taken = spare;
    spare = undefined;
    return taken;
  };
  const check: CodeCheckConfig = {
    room: room.code.room,
    secret: room.code.secret,
    allowUnverified: config.allowUnverified,
    confirmWords: config.confirmWords,
  };
  // While the receiver is on its way: the first check then starts with its share ready.
  setImmediate(() => {
    if (!scope.error) check.spareShare = prepareShare(check.secret, check.room);
  });
  const holder: { link?: FileLink } = {};
  // A file in flight needs no server; the next file's handshake reports the loss.
  room.signaling.closed.then(() => {
    if (!holder.link?.active) scope.fail(serverLost());
  });
  const { receiver, first } = await verifiedReceiver(scope, room, emit, (target) =>
    connect(
      scope,
      room.signaling,
      target,
      ice,
      emit,
      (link) => checkReceiver(scope, link, check, emit),
      takeSpare(),
    ),
  );
  holder.link = first;
  const watch = watchReceiverLeaving(scope, room.signaling, receiver.id);
  const reconnect = async () => {
    holder.link?.peer.close();
    holder.link = await connect(scope, room.signaling, receiver, ice, emit, (link) =>
      checkReceiver(scope, link, check, emit),
    );
    return holder.link;
  };
  const run: SendRun = {
    scope,
    config,
    emit,
    ice,
    lanesUsed: 0,
    count: config.sources.length,
    bytes: 0,
  };
  const kadReceiver = await first.replies.waitForHello(HELLO_WAIT_MS);
  if (run.count > 1 && first.replies.takesOneFile) await refuseSingleReceiver(first, run.count);
  if (first.replies.takesSession) await sendOverOneConnection(run, first);
  else await sendConnectionPerFile(run, first, reconnect, kadReceiver);
  watch.finished();
  const last = holder.link as FileLink;
  last.active = false;
  if (kadReceiver) await endSession(last, run.count, run.bytes);
  last.peer.close();
  const lanesUsed = run.lanesUsed > 0 ? { lanes: run.lanesUsed } : {};
  emit({ event: "done", files: run.count, bytes: run.bytes, ...lanesUsed });
  return { files: run.count, bytes: run.bytes };
}

/**
 * The first receiver that proves the code. One that fails the check counts
 * as a failed attempt and the sender waits for another member; after
 * MAX_CODE_FAILURES the room is given up, so an attacker gets that many
 * online guesses at the secret, not more.
 */
async function verifiedReceiver(
  scope: SessionScope,
  room: Room,
  emit: EventSink,
  connectTo: (receiver: Member) => Promise<FileLink>,
): Promise<{ receiver: Member; first: FileLink }> {
  const failed = new Set<string>();
  for (;;) {
    emit({ event: "status", message: "waiting for the receiver" });
    const receiver = await scope
      .within(firstMember(room.signaling, failed), room.timeoutMs, "waiting for a receiver")
      .catch((error) => {
        throw failed.size > 0 ? badCode() : error;
      });
    emit({ event: "peer", name: receiver.name });
    if (!receiver.name.startsWith(KAD_RECEIVER_PREFIX)) {
      await scope.race(new Promise((resolve) => setTimeout(resolve, FIRST_INITIATE_DELAY_MS)));
    }
    try {
      return { receiver, first: await connectTo(receiver) };
    } catch (error) {
      if (!(error instanceof KadError) || error.code !== "BAD_CODE") throw error;
      failed.add(receiver.id);
      if (failed.size >= MAX_CODE_FAILURES) throw error;
      const left = MAX_CODE_FAILURES - failed.size;
      emit({
        event: "warning",
        message: `a receiver did not know the code (a typo, or someone guessing); ${left} more attempt${left === 1 ? "" : "s"} before the room closes`,
      });
    }
  }
}

/**
 * A kad receiver that takes a session: every file on this one connection.
 * The next file's bytes go while the previous one is verified; at most
 * MAX_UNACKED_FILES wait for their acknowledgement.
 */
async function sendOverOneConnection(run: SendRun, link: FileLink): Promise<void> {
  const lanes = await startLanes(run, link);
  const context = sendContext(link, true, run.config.resume, lanes?.striped);
  const { sources, stdin } = run.config;
  const source = (index: number) => sources[index] as SendSource;
  await sendPipelined(sources.length, context, {
    open: (index) => outgoingFile(source(index), stdin),
    send: (index, file) => sendBytes(run, context, source(index), index, file),
    confirmed: (index, file, sent) => reportConfirmed(run, source(index), file, sent),
    race: (promise) => run.scope.race(promise),
    fail: (error) => run.scope.fail(error),
  });
  lanes?.opened.finish();
  run.lanesUsed = lanesCarryingBytes(lanes?.striped);
}

/** Extra connections for a large file, when the receiver takes them (engine/striped-channel.ts). */
async function startLanes(
  run: SendRun,
  link: FileLink,
): Promise<{ striped: StripedChannel; opened: SenderLanes } | undefined> {
  const largest = Math.max(
    ...run.config.sources.map((source) => (source.kind === "file" ? source.size : Infinity)),
  );
  const path = link.peer.selectedPath();
  const count = lanesWorthOpening(run.config.lanes, link.replies.lanes, path, largest);
  if (count === 0) return undefined;
  const striped = new StripedChannel(link.channel);
  const opened = openLanes(run.scope, await run.scope.race(run.ice), count, link, striped);
  return { striped, opened };
}

/**
 * An original browser, or a kad receiver without sessions: one connection
 * per file; for `kad receive -o -` (one file), with lanes if it offered them.
 */
async function sendConnectionPerFile(
  run: SendRun,
  first: FileLink,
  reconnect: () => Promise<FileLink>,
  kadReceiver: boolean,
): Promise<void> {
  let link = first;
  for (const [index, source] of run.config.sources.entries()) {
    if (index > 0) {
      link = await reconnect();
      await link.replies.waitForHello(kadReceiver ? HELLO_WAIT_MS : 0);
    }
    // Lanes live as long as the send: only for a receiver that takes just this one file.
    const lanes = link.replies.takesOneFile ? await startLanes(run, link) : undefined;
    const context = sendContext(link, false, run.config.resume, lanes?.striped);
    const file = await outgoingFile(source, run.config.stdin);
    const sent = await sendBytes(run, context, source, index, file);
    await run.scope.race(confirmFile(file, sent, context));
    lanes?.opened.finish();
    run.lanesUsed = Math.max(run.lanesUsed, lanesCarryingBytes(lanes?.striped));
    await reportConfirmed(run, source, file, sent);
    link.active = false;
  }
}

/** Extra lanes (not the share channel, lane 0) that carried bytes. */
function lanesCarryingBytes(striped: StripedChannel | undefined): number {
  return [...(striped?.bytesPerLane ?? [])].filter(([lane, bytes]) => lane > 0 && bytes).length;
}

function sendContext(
  link: FileLink,
  session: boolean,
  resume: boolean,
  channel: OutgoingChannel = link.channel,
): SendContext {
  const { replies } = link;
  return {
    channel,
    replies,
    hash: nodeSha256,
    session,
    resume,
    sentBefore: 0,
    onProgress: () => {},
  };
}

async function sendBytes(
  run: SendRun,
  context: SendContext,
  source: SendSource,
  index: number,
  file: OutgoingFile,
): Promise<SentFile> {
  const { scope, config, emit, count } = run;
  const size = file.size < 0 ? null : file.size;
  emit({
    event: "file",
    name: source.relativePath,
    size,
    index,
    count: size === null ? null : count,
  });
  const stall = scope.stallGuard(config.timeoutMs, `sending ${source.relativePath}`);
  context.onProgress = (done) => {
    stall.touch();
    emit({ event: "progress", name: source.relativePath, bytes: done, total: size });
  };
  try {
    return await scope.race(sendFileBytes(file, context));
  } finally {
    stall.stop();
  }
}

async function reportConfirmed(
  run: SendRun,
  source: SendSource,
  file: NodeOutgoingFile,
  sent: SentFile,
): Promise<void> {
  run.bytes += sent.bytes;
  if (await file.grew()) {
    const message = `${source.relativePath} grew while it was sent; only its first ${sent.bytes} bytes went`;
    run.emit({ event: "warning", message });
  }
  run.emit({
    event: "file-done",
    name: source.relativePath,
    size: sent.bytes,
    sha256: sent.sha256,
  });
}

/** Fails the session when the receiver leaves the room before the last file is done. */
function watchReceiverLeaving(
  scope: SessionScope,
  signaling: SignalingClient,
  receiverId: string,
): { finished(): void } {
  let finished = false;
  const stop = signaling.onMembers((members) => {
    if (members.some((member) => member.id === receiverId)) return;
    stop();
    // A browser closes the last file's channel and leaves at once; the close
    // may arrive after the news from the server, so it gets a moment.
    const timer = setTimeout(() => {
      if (finished) return;
      scope.fail(
        new KadError("PEER_LEFT", "the receiver left before the transfer finished", {
          hint: "Run kad send again and give the receiver the new code.",
        }),
      );
    }, RECEIVER_LEFT_GRACE_MS);
    scope.defer(() => clearTimeout(timer));
  });
  return {
    finished: () => {
      finished = true;
    },
  };
}

async function openRoom(scope: SessionScope, config: SendConfig, emit: EventSink): Promise<Room> {
  let baseUrl = config.server;
  let freshCode = () => generateCode();
  if (!baseUrl) {
    emit({ event: "status", message: "starting the built-in server" });
    const embedded = await scope.race(startEmbeddedServer());
    scope.defer(() => embedded.close());
    baseUrl = embedded.baseUrl;
    freshCode = () => generateEmbeddedCode(embedded.hostOctet, embedded.port);
  }
  const username = `${KAD_SENDER_PREFIX}${newId().slice(0, 8)}`;
  const password = config.password || undefined;
  const { code, webSocketUri } = await createRoomWithCode(
    scope,
    baseUrl,
    config.code,
    freshCode,
    username,
    password,
  );
  const signaling = await scope.race(openSignaling(webSocketUri));
  scope.defer(() => signaling.close());
  await scope.race(
    signaling.join({ username, roomname: code.room, ...(password ? { password } : {}) }),
  );
  // Asked now, answered while we wait for the receiver.
  const serverIce = requestServerIce(signaling.rpc);
  const full = `${code.room}-${code.secret}`;
  const url = `${baseUrl.replace(/\/+$/, "")}/${linkFragment(code)}`;
  const command = config.server ? `kad receive --server ${baseUrl} ${full}` : `kad receive ${full}`;
  emit({
    event: "code",
    code: full,
    url,
    command,
    server: baseUrl,
    ...(password ? { password: true } : {}),
  });
  return {
    baseUrl,
    code,
    signaling,
    embedded: !config.server,
    timeoutMs: config.timeoutMs,
    serverIce,
  };
}

async function createRoomWithCode(
  scope: SessionScope,
  baseUrl: string,
  chosen: string | undefined,
  freshCode: () => string,
  username: string,
  password: string | undefined,
): Promise<{ code: SplitCode & { secret: string }; webSocketUri: string }> {
  for (let attempt = 1; ; attempt++) {
    const full = chosen ? normalizeCode(chosen) : freshCode();
    const code = splitCode(full);
    if (!code?.secret) throw new KadError("USAGE", `invalid code: ${full}`);
    const secret = code.secret;
    try {
      const request = { username, roomname: code.room, ...(password ? { password } : {}) };
      const webSocketUri = await scope.race(createRoom(nodeFetch, baseUrl, request));
      return { code: { room: code.room, secret }, webSocketUri };
    } catch (error) {
      const taken = error instanceof KadError && error.code === "ROOM_EXISTS";
      if (!taken || chosen || attempt >= CODE_ATTEMPTS) {
        if (taken && chosen)
          throw new KadError("ROOM_EXISTS", `the code ${full} is in use or was used recently`, {
            hint: `A code's room stays taken for ${ROOM_TTL_MS / 60_000} minutes after it was made; choose another --code, or leave it out for a fresh one.`,
          });
        throw error;
      }
    }
  }
}

function firstMember(signaling: SignalingClient, skip: Set<string>): Promise<Member> {
  return new Promise((resolve) => {
    const check = (members: Member[]) => {
      const first = members.find((member) => !skip.has(member.id));
      if (first) {
        stop();
        resolve(first);
      }
    };
    const stop = signaling.onMembers(check);
    signaling.refreshMembers().catch(() => {});
  });
}

async function connect(
  scope: SessionScope,
  signaling: SignalingClient,
  receiver: Member,
  ice: Promise<IceConfig>,
  emit: EventSink,
  check: (link: FileLink) => Promise<void>,
  /** A peer made while waiting (peer-connect.ts preparePeer); only the first connection gets one. */
  prepared?: Promise<PreparedPeer | undefined>,
): Promise<FileLink> {
  const handshake = (peer: HandshakePeer, early: boolean) =>
    runInitiator({
      rpc: signaling.rpc,
      peer,
      targetId: receiver.id,
      answerWithCandidates: early,
    });
  // A kad receiver waits for a second try if the early one is refused (peer-connect.ts).
  const early = receiver.name.startsWith(KAD_RECEIVER_PREFIX);
  const { peer, channel, remote } = await openPeer(
    scope,
    await scope.race(ice),
    handshake,
    emit,
    early,
    await prepared,
  );
  const link = { active: true, peer, channel };
  peer.lost.promise.catch((error) => {
    // A browser that closes the channel and then the connection may have the
    // second event arrive first; the channel's close (completion) gets a moment.
    setTimeout(() => {
      if (link.active) scope.fail(error);
    }, CONNECTION_LOST_GRACE_MS).unref();
  });
  const replies = new ReceiverReplies();
  remote.onMessage((message) => replies.feed(message));
  remote.closed.then(() =>
    replies.fail(new KadError("PEER_LEFT", "the receiver closed the connection")),
  );
  // Runs before the peer closes (cleanups run newest first).
  scope.defer(() => replies.isKad && tellCancelled(scope, channel));
  // The same object the loss handler above reads: `active = false` must reach it.
  const checked = Object.assign(link, { replies });
  try {
    await check(checked);
  } catch (error) {
    checked.active = false;
    // Let a BAD_CODE notice leave before the connection closes.
    await channel.closedWithin(CANCEL_NOTICE_MS);
    peer.close();
    throw error;
  }
  return checked;
}

/** On Ctrl-C or SIGTERM mid-file, lets a kad receiver say "the sender cancelled", not "connection lost". */
async function tellCancelled(scope: SessionScope, channel: RtcChannel): Promise<void> {
  const error = scope.error;
  if (!(error instanceof KadError) || error.code !== "INTERRUPTED" || !channel.isOpen) return;
  try {
    channel.sendText(
      encodeShareMessage({ kad: "error", code: "INTERRUPTED", message: "the sender cancelled" }),
    );
  } catch {
    return;
  }
  await channel.closedWithin(CANCEL_NOTICE_MS);
}

/** Tells a `kad receive -o -` why nothing comes, then fails: it takes one file, not `count`. */
async function refuseSingleReceiver(link: FileLink, count: number): Promise<never> {
  const message = `the receiver writes to stdout (-o -) and takes one file, but ${count} were given`;
  link.channel.sendText(encodeShareMessage({ kad: "error", code: "PROTOCOL", message }));
  // Closing at once could drop the message; the receiver closes once it has read it.
  await link.channel.closedWithin(END_PATIENCE_MS);
  throw new KadError("USAGE", message, {
    hint: "Send one file (e.g. tar c DIR | kad send -), or let the receiver save into a directory.",
  });
}

async function endSession(link: FileLink, files: number, bytes: number): Promise<void> {
  sendSessionEnd(link.channel, files, bytes);
  await link.channel.closedWithin(END_PATIENCE_MS);
}
