/**
 * `kad receive` as a programmatic API: find the room behind a code
 * (room-lookup.ts), join it, answer each initiate with a new peer connection
 * and receive one file on it, until a kad sender says the session is over (an
 * original browser sender cannot: it is over when that one leaves the room or
 * sends nothing new for --idle-exit). Only the chosen sender's initiates count
 * (InitiateInbox).
 */
import type { Writable } from "node:stream";
import { prepareShare } from "../engine/pake.js";
import { requestServerIce } from "../protocol/ice-servers-client.js";
import { newId } from "../protocol/mop-rpc.js";
import { isKadSender, KAD_RECEIVER_PREFIX } from "../protocol/sender-retry.js";
import type { IncomingInitiate } from "../protocol/signaling-client.js";
import type { Member } from "../protocol/signaling-messages.js";
import { PartialStore } from "../transfer/partials.js";
import { KadError } from "../util/errors.js";
import { loadNative, shutdownNative } from "../webrtc/native.js";
import { openSignaling, serverLost } from "./connections.js";
import type { EventSink, SessionSummary } from "./events.js";
import { resolveIce } from "./ice.js";
import { InitiateInbox } from "./initiate-inbox.js";
import { type ReceiveContext, receiveOne, Superseded } from "./receive-one.js";
import { findRoom } from "./room-lookup.js";
import { type SessionScope, withScope } from "./scope.js";

export interface ReceiveConfig {
  code: string;
  server: string | undefined;
  password: string | undefined;
  /** Output directory, or "-" for stdout. */
  output: string;
  overwrite: boolean;
  iceServers: string[];
  bind: string | undefined;
  timeoutMs: number;
  /**
   * After a file from a sender that cannot say it is done (an original
   * browser), finish once no new file starts for this long; not finite: wait
   * until it leaves (within timeoutMs).
   */
  idleExitMs: number;
  /** Keep interrupted files' partials, and continue those a sender still has. */
  resume: boolean;
  /** --verify: show the words derived from the key the peers agreed on. */
  verify: boolean;
  /** Extra connections a kad sender may stripe large files over (KAD_LANES). */
  lanes: number;
  /** --wait: a code nobody sends under yet is looked up again until timeoutMs, not refused. */
  waitForSender: boolean;
  stdout: Writable;
  env: NodeJS.ProcessEnv;
}

/** With the server gone after a file, how long a kad sender's session end may take. */
export const SERVER_LOST_END_WAIT_MS = 10_000;

interface Session extends ReceiveContext {
  config: ReceiveConfig;
  serverLost: boolean;
  /** Resolves when a kad sender's session-end message arrives. */
  ended: Promise<null>;
}

export async function runReceive(
  config: ReceiveConfig,
  emit: EventSink,
  signal: AbortSignal,
): Promise<SessionSummary> {
  return withScope(signal, (scope) => {
    scope.defer(shutdownNative);
    return receiveAll(scope, config, emit);
  });
}

async function receiveAll(
  scope: SessionScope,
  config: ReceiveConfig,
  emit: EventSink,
): Promise<SessionSummary> {
  emit({ event: "status", message: "looking up the code" });
  // Loaded while the room is looked up and joined, not once the sender offers.
  void loadNative().catch(() => {});
  const { baseUrl, code, room } = await findRoom(scope, config, emit);
  if (room.hasPassword && !config.password) {
    throw new KadError("CREDENTIALS", "this transfer is protected by a password", {
      hint: "Pass it with --password (or KAD_PASSWORD).",
    });
  }
  const signaling = await scope.race(openSignaling(room.webSocketUri));
  scope.defer(() => signaling.close());
  const iceInputs = { ...config, serverUrl: baseUrl, embedded: config.server === undefined };
  let markEnded!: () => void;
  const ended = new Promise<null>((resolve) => {
    markEnded = () => resolve(null);
  });
  const session: Session = {
    scope,
    config,
    emit,
    signaling,
    ice: resolveIce(iceInputs),
    code: { room: code.room, secret: code.secret },
    verify: config.verify,
    warnedUnverified: false,
    lanes: config.lanes,
    ended,
    markEnded,
    inbox: new InitiateInbox(),
    partials:
      config.resume && config.output !== "-" ? await PartialStore.open(config.output) : undefined,
    transferring: false,
    serverLost: false,
    files: 0,
    bytes: 0,
  };
  signaling.onInitiate((initiate) => session.inbox.offer(initiate));
  await joinRoom(session, code.room, config.password);
  // While the sender makes its offer: the first connection's check then starts with its share ready.
  const { secret } = code;
  if (secret !== undefined) {
    setImmediate(() => {
      if (!scope.error) session.spareShare ??= prepareShare(secret, code.room);
    });
  }
  refuseIfTaken(signaling.members);
  preferKadSender(session);
  const { iceServers: granted } = await scope.race(requestServerIce(signaling.rpc));
  // Before any initiate is taken from the queue, so every peer uses the server's relay.
  session.ice = resolveIce({ ...iceInputs, granted });
  emit({ event: "status", message: "waiting for the sender" });
  await receiveFiles(session);
  emit({ event: "done", files: session.files, bytes: session.bytes });
  return { files: session.files, bytes: session.bytes };
}

async function joinRoom(
  session: Session,
  code: string,
  password: string | undefined,
): Promise<void> {
  const { scope, signaling } = session;
  const username = `${KAD_RECEIVER_PREFIX}${newId().slice(0, 8)}`;
  await scope.race(signaling.join({ username, roomname: code, password: password ?? "" }));
  await scope.race(signaling.refreshMembers());
  // A file in flight needs no server; waiting for the next one does.
  signaling.closed.then(() => {
    session.serverLost = true;
    if (!session.transferring) scope.fail(serverLost());
  });
}

/**
 * The kad sender in the room is the sender. With --wait the room may still be
 * empty when we join: then the first kad sender to join is, unless someone's
 * initiate came first.
 */
function preferKadSender(session: Session): void {
  const { signaling, inbox, scope } = session;
  const choose = (members: Member[]) => {
    const kadSender = members.find((member) => isKadSender(member.name));
    if (kadSender) inbox.prefer(kadSender.id);
    return kadSender !== undefined || inbox.senderId !== undefined;
  };
  if (choose(signaling.members)) return;
  const stop = signaling.onMembers((members) => {
    if (choose(members)) stop();
  });
  scope.defer(stop);
}

async function receiveFiles(session: Session): Promise<void> {
  const { scope, config, inbox } = session;
  let pending: IncomingInitiate | null = await scope.within(
    Promise.race([inbox.next(), senderLeft(session).then(nobodySending)]),
    config.timeoutMs,
    "waiting for the sender",
  );
  announceSender(session, pending.from);
  const left = senderLeft(session);
  let fromKad = true;
  while (pending) {
    try {
      const files = await receiveOne(session, pending);
      fromKad = files.every((file) => file.fromKad);
      session.files += files.length;
      session.bytes += files.reduce((sum, file) => sum + file.bytes, 0);
    } catch (error) {
      if (!(error instanceof Superseded)) throw error;
    }
    if (session.serverLost) {
      if (fromKad) await endWithoutServer(session);
      break;
    }
    pending = await nextTransfer(session, fromKad, left);
    if (config.output === "-" && pending && session.files > 0) {
      throw new KadError(
        "PROTOCOL",
        "the sender sent more than one file, but -o - takes a single one",
        { hint: "Receive into a directory instead (leave out -o -)." },
      );
    }
  }
}

/**
 * After a file: the sender's next initiate, or null once the session is over.
 * A kad sender says when it is, and leaving before that is an error; an
 * original browser never says, so it is over when it leaves or stays idle.
 */
function nextTransfer(
  session: Session,
  fromKad: boolean,
  left: Promise<void>,
): Promise<IncomingInitiate | null> {
  const { scope, config, inbox, emit } = session;
  const next = inbox.next();
  const waitingFor = "waiting for the sender's next file";
  if (fromKad) {
    const over = Promise.race([session.ended, left.then(senderLeftEarly)]);
    return scope.within(Promise.race([next, over]), config.timeoutMs, waitingFor);
  }
  const nextOrLeft = Promise.race([next, left.then(() => null)]);
  if (!Number.isFinite(config.idleExitMs)) {
    return scope.within(nextOrLeft, config.timeoutMs, waitingFor);
  }
  const seconds = Math.round(config.idleExitMs / 1000);
  emit({ event: "status", message: `finishing unless another file starts within ${seconds} s` });
  return scope.timed(nextOrLeft, config.idleExitMs, () => null);
}

/** No more files can be announced without the server; a kad sender's end still comes by channel. */
async function endWithoutServer(session: Session): Promise<void> {
  await session.scope.timed(session.ended, SERVER_LOST_END_WAIT_MS, () => {
    throw serverLost();
  });
}

/**
 * A kad sender serves the first member it sees and no other; anyone already
 * in the room beside it when we join was served first. (An original browser
 * sender may serve several, so only kad senders count.)
 */
function refuseIfTaken(others: Member[]): void {
  const kadSender = others.find((member) => isKadSender(member.name));
  if (!kadSender || !others.some((member) => member.id !== kadSender.id)) return;
  throw new KadError("PEER_UNREACHABLE", "another receiver already took this transfer", {
    hint: "kad send serves one receiver; ask the sender to run kad send again for you.",
  });
}

function announceSender(session: Session, senderId: string): void {
  const sender = session.signaling.members.find((member) => member.id === senderId);
  session.emit({ event: "peer", name: sender?.name ?? senderId });
}

/**
 * Resolves once the chosen sender is no longer in the room (an original
 * browser leaves when done); before one is chosen, once nobody is. With
 * --wait an empty room is not left yet: the sender that made it may still be
 * on its way in (it creates the room, then joins it).
 */
function senderLeft(session: Session): Promise<void> {
  const { signaling, inbox } = session;
  const sender = inbox.senderId;
  let someoneCame = !session.config.waitForSender;
  const gone = (members: Member[]) => {
    if (sender !== undefined) return !members.some((member) => member.id === sender);
    someoneCame ||= members.length > 0;
    return someoneCame && members.length === 0;
  };
  return new Promise((resolve) => {
    const check = (members: Member[]) => {
      if (!gone(members)) return;
      stop();
      resolve();
    };
    const stop = signaling.onMembers(check);
    check(signaling.members);
    session.scope.defer(stop);
  });
}

function nobodySending(): never {
  throw new KadError("PEER_LEFT", "nobody is sending under that code any more", {
    hint: "Ask the sender to run kad send again.",
  });
}

function senderLeftEarly(): never {
  throw new KadError("PEER_LEFT", "the sender left without saying the transfer was complete", {
    hint: "Files received so far are complete and verified; ask the sender to send the rest.",
  });
}
