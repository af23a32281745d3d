/**
 * `connect`: joins an unjoined connection to a room (browser-protocol.md
 * section 2) and answers `{"err": null}` or one of the refusals. Failed
 * lookups count per IP, wrong passwords per IP and per room, so guessing
 * codes or passwords stalls after a handful of tries; cheap refusals come
 * before the (costly) password check.
 */

import { ROOM_NAME_PATTERN } from "../../../src/protocol/limits.js";
import {
  type ConnectError,
  connectPayloadSchema,
  type KadConnectError,
} from "../../../src/protocol/signaling-messages.js";
import type { Deliver } from "../bus/signaling-bus.js";
import { every } from "../clock.js";
import { BUSY } from "../limits/password-checks.js";
import type { ServerContext } from "../options.js";
import { verifyPassword } from "../store/password.js";
import type { RoomRecord } from "../store/room-store.js";
import { pushMemberLists } from "./members.js";
import type { SignalingConnection } from "./signaling-connection.js";

type ConnectOutcome = ConnectError | KadConnectError | null;

export async function handleConnect(
  context: ServerContext,
  connection: SignalingConnection,
  payload: unknown,
  replyId: string | undefined,
  deliver: Deliver,
): Promise<void> {
  if (connection.state !== "unjoined") {
    connection.reply(replyId, { err: "ALREADY_JOINED" });
    return;
  }
  connection.state = "joining";
  let outcome: ConnectOutcome;
  try {
    outcome = await join(context, connection, payload, deliver);
  } catch (error) {
    context.logger.error({ err: error }, "room store failed during connect");
    outcome = "INTERNAL_ERROR";
  }
  if (connection.isClosed()) return;
  if (outcome !== null) {
    connection.state = "unjoined";
    context.metrics.inc("kad_connect_failures_total", { reply: outcome });
    const level = outcome === "RATE_LIMITED" || outcome === "INTERNAL_ERROR" ? "warn" : "debug";
    context.logger[level]({ ip: connection.ip, reply: outcome }, "connect refused");
    connection.reply(replyId, { err: outcome });
    return;
  }
  connection.reply(replyId, { err: null });
  const roomName = connection.room?.name as string;
  await pushMemberLists(context, roomName, connection.peerId).catch((error: unknown) =>
    context.logger.warn({ err: error }, "could not push the member list"),
  );
}

async function join(
  context: ServerContext,
  connection: SignalingConnection,
  payload: unknown,
  deliver: Deliver,
): Promise<ConnectOutcome> {
  const { guards, store } = context;
  if (guards.failuresByIp.isOver(connection.ip)) return "RATE_LIMITED";
  const parsed = connectPayloadSchema.safeParse(payload);
  if (!parsed.success) return "INVALID_REQUEST";
  const { username, roomname, password } = parsed.data;
  const room = ROOM_NAME_PATTERN.test(roomname) ? await store.getRoom(roomname) : undefined;
  if (!room) {
    guards.failuresByIp.hit(connection.ip);
    return "notfound";
  }
  const cheap = await cheapRefusal(context, connection.ip, room, username);
  if (cheap !== null) return cheap;
  const credentials = await checkPassword(context, connection.ip, room, password ?? "");
  if (credentials !== null) return credentials;
  if (connection.isClosed()) return null;
  return addToRoom(context, connection, { name: roomname, username }, deliver);
}

/** Makes the connection reachable, then a member; undoes both if either fails or the socket left. */
async function addToRoom(
  context: ServerContext,
  connection: SignalingConnection,
  room: { name: string; username: string },
  deliver: Deliver,
): Promise<ConnectOutcome> {
  const { store, bus, limits } = context;
  const member = { peerId: connection.peerId, username: room.username };
  await bus.attach(connection.peerId, deliver);
  let added: Awaited<ReturnType<typeof store.addMember>>;
  try {
    added = await store.addMember(room.name, member, limits.maxMembersPerRoom);
  } catch (error) {
    await bus.detach(connection.peerId);
    throw error;
  }
  if (!added.ok) {
    await bus.detach(connection.peerId);
    if (added.reason === "notfound") return "notfound";
    return added.reason === "username-conflict" ? "USERNAME_CONFLICT" : "ROOM_FULL";
  }
  if (connection.isClosed()) {
    // The socket went away while we were joining: undo, nobody saw it.
    await store.removeMember(room.name, connection.peerId);
    await bus.detach(connection.peerId);
    return null;
  }
  connection.joined(room, () => keepRoomAlive(context, room.name));
  // Counted here, together with the state change the leave path undoes.
  context.metrics.inc("kad_members_joined");
  // Joined is joined: a failed refresh only shortens the room's life until the next one.
  await store.refreshRoom(room.name, limits.roomTtlMs).catch((error: unknown) => {
    context.logger.warn({ err: error }, "could not refresh a room's expiry");
  });
  return null;
}

/**
 * A taken name or a full room is refused before the password is checked: a
 * loop of such joins would otherwise cost a scrypt run each. addMember checks
 * both again atomically; this is only the early, cheap answer.
 */
async function cheapRefusal(
  context: ServerContext,
  ip: string,
  room: RoomRecord,
  username: string,
): Promise<ConnectOutcome> {
  if (room.passwordHash === null) return null;
  const members = await context.store.listMembers(room.name);
  let refusal: ConnectOutcome = null;
  if (members.some((member) => member.username === username)) refusal = "USERNAME_CONFLICT";
  else if (members.length >= context.limits.maxMembersPerRoom) refusal = "ROOM_FULL";
  // Counted, since a conflict tells a stranger a member's name.
  if (refusal !== null) context.guards.failuresByIp.hit(ip);
  return refusal;
}

async function checkPassword(
  context: ServerContext,
  ip: string,
  room: RoomRecord,
  password: string,
): Promise<ConnectOutcome> {
  if (room.passwordHash === null) return null;
  const { failuresByIp, passwordChecks } = context.guards;
  if (!passwordChecks.admit(room.name, ip)) return "RATE_LIMITED";
  const hash = room.passwordHash;
  const verified = await passwordChecks.run(() => verifyPassword(password, hash));
  if (verified === BUSY) return "RATE_LIMITED";
  context.metrics.inc("kad_password_checks_total");
  if (verified) return null;
  failuresByIp.hit(ip);
  passwordChecks.wrong(room.name, ip);
  return "CREDENTIALS";
}

function keepRoomAlive(context: ServerContext, roomName: string): () => void {
  return every(context.clock, context.limits.roomRefreshIntervalMs, () => {
    context.store.refreshRoom(roomName, context.limits.roomTtlMs).catch((error: unknown) => {
      context.logger.warn({ err: error }, "could not refresh a room's expiry");
    });
  });
}
