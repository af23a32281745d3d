/**
 * `kad receive` as a programmatic API: find the room behind a code, join it,
 * answer each initiate with a new peer connection and receive one file on it,
 * until a kad sender says the session is over (or an original browser sender
 * leaves the room).
 */
import type { Writable } from "node:stream";
import { embeddedAddressOf, normalizeCode, parseShareLink } from "../code/share-code.js";
import { lookupRoom } from "../protocol/coordinator-client.js";
import { requestServerIce } from "../protocol/ice-servers-client.js";
import { newId } from "../protocol/mop-rpc.js";
import type { IncomingInitiate } from "../protocol/signaling-client.js";
import type { Member, RoomInfo } from "../protocol/signaling-messages.js";
import { KadError } from "../util/errors.js";
import { shutdownNative } from "../webrtc/native.js";
import { AsyncQueue } from "./async-queue.js";
import { KAD_SENDER_PREFIX, nodeFetch, openSignaling, serverLost } from "./connections.js";
import { findEmbeddedServer } from "./embedded-server.js";
import type { EventSink, SessionSummary } from "./events.js";
import { resolveIce } from "./ice.js";
import { type ReceiveContext, receiveOne, Superseded } from "./receive-one.js";
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
  stdout: Writable;
  env: NodeJS.ProcessEnv;
}

/** With the server gone after a file, how long a kad sender's session end may take. */
export const SERVER_LOST_END_WAIT_MS = 10_000;

interface Session extends ReceiveContext {
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

/**
 * Codes are generated in lower case, but people type or dictate them (phones
 * capitalize): a code not found as typed is tried once more in lower case.
 */
async function locateRoom(
  config: ReceiveConfig,
): Promise<{ baseUrl: string; code: string; room: RoomInfo }> {
  const link = parseShareLink(config.code);
  const code = link?.code ?? normalizeCode(config.code);
  try {
    return await locateRoomAs(config, link?.serverUrl, code);
  } catch (error) {
    const lower = code.toLowerCase();
    const notFound = error instanceof KadError && error.code === "ROOM_NOT_FOUND";
    if (!notFound || lower === code) throw error;
    return locateRoomAs(config, link?.serverUrl, lower).catch(() => {
      throw error;
    });
  }
}

async function locateRoomAs(
  config: ReceiveConfig,
  linkServer: string | undefined,
  code: string,
): Promise<{ baseUrl: string; code: string; room: RoomInfo }> {
  const baseUrl = config.server ?? linkServer;
  if (baseUrl) return { baseUrl, code, room: await lookupRoom(nodeFetch, baseUrl, code) };
  if (!embeddedAddressOf(code)) {
    throw new KadError("USAGE", "this code needs the server it was made on", {
      hint: "Pass --server URL (or set KAD_SERVER), or paste the browser link instead of the code.",
    });
  }
  return { code, ...(await findEmbeddedServer(code, nodeFetch)) };
}

async function receiveAll(
  scope: SessionScope,
  config: ReceiveConfig,
  emit: EventSink,
): Promise<SessionSummary> {
  emit({ event: "status", message: "looking up the code" });
  const { baseUrl, code, room } = await scope.race(locateRoom(config));
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
    ended,
    markEnded,
    senderId: undefined,
    cancelConnecting: undefined,
    transferring: false,
    serverLost: false,
    files: 0,
    bytes: 0,
  };
  const initiates = new AsyncQueue<IncomingInitiate>();
  signaling.onInitiate((initiate) => {
    // A sender retries an initiate we have not answered in time; the newest wins.
    session.cancelConnecting?.();
    initiates.push(initiate);
  });
  await joinRoom(session, code, config.password);
  refuseIfTaken(signaling.members);
  const { iceServers: granted } = await scope.race(requestServerIce(signaling.rpc));
  // Before any initiate is taken from the queue, so every peer uses the server's relay.
  session.ice = resolveIce({ ...iceInputs, granted });
  emit({ event: "status", message: "waiting for the sender" });
  await receiveFiles(session, initiates);
  emit({ event: "done", files: session.files, bytes: session.bytes });
  return { files: session.files, bytes: session.bytes };
}

async function joinRoom(
  session: Session,
  code: string,
  password: string | undefined,
): Promise<void> {
  const { scope, signaling } = session;
  const username = `kad-receiver-${newId().slice(0, 8)}`;
  await scope.race(signaling.join({ username, roomname: code, password: password ?? "" }));
  await scope.race(signaling.refreshMembers());
  // A file in flight needs no server; waiting for the next one does.
  signaling.closed.then(() => {
    session.serverLost = true;
    if (!session.transferring) scope.fail(serverLost());
  });
}

async function receiveFiles(
  session: Session,
  initiates: AsyncQueue<IncomingInitiate>,
): Promise<void> {
  const { scope, config } = session;
  let fromKad = true;
  const nobodyLeft = membersGone(session, () => true).then(() => {
    throw new KadError("PEER_LEFT", "nobody is sending under that code any more", {
      hint: "Ask the sender to run kad send again.",
    });
  });
  nobodyLeft.catch(() => {});
  let pending: IncomingInitiate | null = await scope.within(
    Promise.race([initiates.next(), nobodyLeft]),
    config.timeoutMs,
    "waiting for the sender",
  );
  while (pending) {
    const initiate = pending;
    if (session.senderId === undefined) acceptSender(session, initiate.from);
    if (initiate.from !== session.senderId) {
      pending = await initiates.next();
      continue;
    }
    try {
      const files = await receiveOne(session, initiate);
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
    const next = Promise.race([session.ended, initiates.next()]);
    const gone = membersGone(session, (member) => member.id === session.senderId);
    const leftEarly = gone.then(senderLeftEarly);
    leftEarly.catch(() => {});
    pending = fromKad
      ? await scope.within(
          Promise.race([next, leftEarly]),
          config.timeoutMs,
          "waiting for the sender's next file",
        )
      : await scope.race(Promise.race([next, gone.then(() => null)]));
    if (config.output === "-" && pending && session.files > 0) {
      throw new KadError(
        "PROTOCOL",
        "the sender sent more than one file, but -o - takes a single one",
        { hint: "Receive into a directory instead (leave out -o -)." },
      );
    }
  }
}

/** No more files can be announced without the server; a kad sender's end still comes by channel. */
async function endWithoutServer(session: Session): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const patience = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(serverLost()), SERVER_LOST_END_WAIT_MS);
  });
  try {
    await session.scope.race(Promise.race([session.ended, patience]));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A kad sender serves the first member it sees and no other; anyone already
 * in the room beside it when we join was served first. (An original browser
 * sender may serve several, so only kad senders count.)
 */
function refuseIfTaken(others: Member[]): void {
  const kadSender = others.find((member) => member.name.startsWith(KAD_SENDER_PREFIX));
  if (!kadSender || !others.some((member) => member.id !== kadSender.id)) return;
  throw new KadError("PEER_UNREACHABLE", "another receiver already took this transfer", {
    hint: "kad send serves one receiver; ask the sender to run kad send again for you.",
  });
}

function acceptSender(session: Session, senderId: string): void {
  session.senderId = senderId;
  const sender = session.signaling.members.find((member) => member.id === senderId);
  session.emit({ event: "peer", name: sender?.name ?? senderId });
}

/** Resolves once no member of the room matches `who` (an original browser leaves when done). */
function membersGone(session: Session, who: (member: Member) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (members: Member[]) => {
      if (members.some(who)) return;
      stop();
      resolve();
    };
    const stop = session.signaling.onMembers(check);
    check(session.signaling.members);
  });
}

function senderLeftEarly(): never {
  throw new KadError("PEER_LEFT", "the sender left without saying the transfer was complete", {
    hint: "Files received so far are complete and verified; ask the sender to send the rest.",
  });
}
