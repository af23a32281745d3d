/**
 * The coordinator API (browser-protocol.md section 1):
 *   POST /rooms        create a room; 201 with the WebSocket URI as a JSON string
 *   GET  /rooms/:name  look one up; 200 {webSocketUri, hasPassword} or 404
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  MAX_PASSWORD_LENGTH,
  MAX_USERNAME_LENGTH,
  ROOM_NAME_PATTERN,
} from "../../../src/protocol/limits.js";
import type { RoomInfo } from "../../../src/protocol/signaling-messages.js";
import type { PickContext } from "../instance-picker.js";
import { clientIp, isSecureRequest, retryAfterSeconds } from "../limits/guards.js";
import { BUSY } from "../limits/password-checks.js";
import type { ServerContext } from "../options.js";
import { RoomLimitError } from "../store/memory-room-store.js";
import { hashPassword, isEffectivePassword } from "../store/password.js";
import { StoreUnavailableError } from "../store/room-store.js";
import { acceptsJson, readJsonBody } from "./request-body.js";
import { HttpError, sendJson } from "./respond.js";

interface ValidRoomRequest {
  username: string;
  roomname: string;
  password: string | undefined;
}

const ROOM_NAME_RULE = "5-64 characters of a-z, A-Z, 0-9 and -";

const HOST_HEADER_PATTERN = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

function validHostHeader(host: string | undefined): string | undefined {
  return host && HOST_HEADER_PATTERN.test(host) ? host : undefined;
}

/** What the picker may know of the request it answers. */
function pickContext(
  context: ServerContext,
  request: IncomingMessage,
  roomname: string,
): PickContext {
  return {
    roomname,
    requestHost: validHostHeader(request.headers.host),
    requestSecure: isSecureRequest(request, context.trustProxy),
  };
}

function validateCreateRoom(body: unknown): ValidRoomRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "body must be a JSON object");
  }
  const { username, roomname, password } = body as Record<string, unknown>;
  if (typeof username !== "string" || username.trim().length === 0) {
    throw new HttpError(400, "username must be a non-empty string");
  }
  if (username.length > MAX_USERNAME_LENGTH) {
    throw new HttpError(400, `username must be at most ${MAX_USERNAME_LENGTH} characters`);
  }
  if (typeof roomname !== "string" || !ROOM_NAME_PATTERN.test(roomname)) {
    throw new HttpError(400, `roomname must be ${ROOM_NAME_RULE}`);
  }
  if (password !== undefined && password !== null && typeof password !== "string") {
    throw new HttpError(400, "password must be a string");
  }
  if (typeof password === "string" && password.length > MAX_PASSWORD_LENGTH) {
    throw new HttpError(400, `password must be at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  return { username, roomname, password: isEffectivePassword(password) ? password : undefined };
}

export async function createRoom(
  context: ServerContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  requireJsonAnswer(request);
  const body = await readJsonBody(request, context.limits.maxBodyBytes);
  const { roomname, password } = validateCreateRoom(body);
  const ip = clientIp(request, context.trustProxy);
  enforceCreationLimits(context, ip);
  const passwordHash = password === undefined ? null : await hashBounded(context, password);
  let created: boolean;
  let webSocketUri: string;
  try {
    webSocketUri = await context.picker.pickWebSocketUri(pickContext(context, request, roomname));
    const room = { name: roomname, passwordHash, webSocketUri, createdAt: context.clock.now() };
    created = await context.store.createRoom(room, context.limits.roomTtlMs);
  } catch (error) {
    if (error instanceof RoomLimitError) throw new HttpError(503, error.message);
    throw storeFailure(context, error, "room store failed to create a room");
  }
  if (!created) {
    // A 409 reveals that a name is taken: it counts like a failed lookup.
    context.guards.failuresByIp.hit(ip);
    throw new HttpError(409, "a room with that name already exists");
  }
  context.metrics.inc("kad_rooms_created_total");
  context.logger.info({ ip, protected: passwordHash !== null }, "room created");
  sendJson(response, 201, webSocketUri);
}

/** Hashing shares the bounded password-check slots with joins. */
async function hashBounded(context: ServerContext, password: string): Promise<string> {
  const hash = await context.guards.passwordChecks.run(() => hashPassword(password));
  if (hash !== BUSY) return hash;
  context.metrics.inc("kad_rate_limited_total", { limit: "password-checks" });
  throw new HttpError(503, "the server is busy checking passwords; try again shortly", {
    "Retry-After": "1",
  });
}

/** Room creation per IP counts attempts, and an address that guesses names may not probe with 409s. */
function enforceCreationLimits(context: ServerContext, ip: string): void {
  refuseGuesser(context, ip);
  const creations = context.guards.roomCreationsByIp;
  if (!creations.tryTake(ip)) {
    context.metrics.inc("kad_rate_limited_total", { limit: "room-creation" });
    throw new HttpError(429, "too many rooms created from this address; try again later", {
      "Retry-After": retryAfterSeconds(creations.retryAfterMs(ip)),
    });
  }
}

function refuseGuesser(context: ServerContext, ip: string): void {
  const failures = context.guards.failuresByIp;
  if (!failures.isOver(ip)) return;
  context.metrics.inc("kad_rate_limited_total", { limit: "failed-lookups" });
  throw new HttpError(429, "too many unknown or taken room names from this address; try later", {
    "Retry-After": retryAfterSeconds(failures.retryAfterMs(ip)),
  });
}

export async function lookUpRoom(
  context: ServerContext,
  request: IncomingMessage,
  response: ServerResponse,
  encodedName: string,
): Promise<void> {
  requireJsonAnswer(request);
  const name = safeDecode(encodedName);
  if (name === undefined || !ROOM_NAME_PATTERN.test(name)) {
    throw new HttpError(400, `room name must be ${ROOM_NAME_RULE}`);
  }
  const ip = clientIp(request, context.trustProxy);
  refuseGuesser(context, ip);
  const failures = context.guards.failuresByIp;
  let room: Awaited<ReturnType<typeof context.store.getRoom>>;
  let webSocketUri: string | undefined;
  try {
    room = await context.store.getRoom(name);
    webSocketUri =
      room &&
      (await context.picker.uriForExistingRoom?.(
        room.webSocketUri,
        pickContext(context, request, name),
      ));
  } catch (error) {
    throw storeFailure(context, error, "room store failed to look a room up");
  }
  if (!room) {
    failures.hitOnce(ip, name);
    throw new HttpError(404, "no such room (it may have expired)");
  }
  const info: RoomInfo = {
    webSocketUri: webSocketUri ?? room.webSocketUri,
    hasPassword: room.passwordHash !== null,
  };
  sendJson(response, 200, info);
}

/** Seconds a client is asked to wait while the store's backend is down. */
const STORE_RETRY_AFTER_SECONDS = 5;

function storeFailure(context: ServerContext, error: unknown, message: string): HttpError {
  context.logger.error({ err: error }, message);
  if (error instanceof StoreUnavailableError) {
    return new HttpError(503, "room store temporarily unavailable; try again shortly", {
      "Retry-After": String(STORE_RETRY_AFTER_SECONDS),
    });
  }
  return new HttpError(
    500,
    "room store unavailable; try again, and tell the server's operator if it persists",
  );
}

function requireJsonAnswer(request: IncomingMessage): void {
  if (!acceptsJson(request)) throw new HttpError(406, "this API only answers application/json");
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
