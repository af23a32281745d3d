/**
 * Every message of the kamelladjutant coordinator API and signaling WebSocket
 * (browser-protocol.md sections 1-3), as types plus validators. Data from the
 * network is `unknown` until one of these narrows it.
 */
import * as z from "zod/mini";
import {
  MAX_CANDIDATE_BYTES,
  MAX_CANDIDATES,
  MAX_ID_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_SDP_BYTES,
  MAX_USERNAME_LENGTH,
  ROOM_NAME_PATTERN,
} from "./limits.js";

export const SIGNALING_SUBPROTOCOL = "signaling";

// ---- Coordinator HTTP API ------------------------------------------------

export const roomNameSchema = z.string().check(z.regex(ROOM_NAME_PATTERN));

/** POST /rooms body. Field checks that map to statuses live in the server. */
export interface CreateRoomRequest {
  username: string;
  roomname: string;
  password?: string;
}

/** GET /rooms/:name 200 body. (POST /rooms 201 body is a bare JSON string URI.) */
export const roomInfoSchema = z.object({
  webSocketUri: z.string().check(z.maxLength(2048)),
  hasPassword: z.boolean(),
});
export type RoomInfo = z.infer<typeof roomInfoSchema>;

// ---- Signaling: connect --------------------------------------------------

export const connectPayloadSchema = z.object({
  username: z.string().check(z.minLength(1), z.maxLength(MAX_USERNAME_LENGTH)),
  roomname: z.string().check(z.maxLength(64)),
  password: z.nullable(z.optional(z.string().check(z.maxLength(MAX_PASSWORD_LENGTH)))),
});
export type ConnectPayload = z.infer<typeof connectPayloadSchema>;

export const CONNECT_ERRORS = [
  "notfound",
  "USERNAME_CONFLICT",
  "CREDENTIALS",
  "INTERNAL_ERROR",
] as const;
export type ConnectError = (typeof CONNECT_ERRORS)[number];

export const connectReplySchema = z.object({ err: z.nullable(z.string().check(z.maxLength(64))) });

// ---- Signaling: users ----------------------------------------------------

export const memberSchema = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(MAX_ID_LENGTH)),
  name: z.string().check(z.maxLength(MAX_USERNAME_LENGTH)),
});
export type Member = z.infer<typeof memberSchema>;
export const memberListSchema = z.array(memberSchema).check(z.maxLength(1024));

// ---- Signaling: the initiate chain (section 3) --------------------------

export const sessionDescriptionSchema = z.object({
  type: z.enum(["offer", "answer"]),
  sdp: z.string().check(z.maxLength(MAX_SDP_BYTES)),
});
export type SessionDescription = z.infer<typeof sessionDescriptionSchema>;

export const offerSchema = z.extend(sessionDescriptionSchema, { type: z.literal("offer") });
export const answerSchema = z.extend(sessionDescriptionSchema, { type: z.literal("answer") });

/** Step 1 (A to server, `id` = target) and step 2 (server to B, `id` = sender). */
export const initiatePayloadSchema = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(MAX_ID_LENGTH)),
  offerSDP: offerSchema,
});
export type InitiatePayload = z.infer<typeof initiatePayloadSchema>;

/** RTCIceCandidateInit as JSON. */
export const candidateSchema = z.object({
  candidate: z.string().check(z.maxLength(MAX_CANDIDATE_BYTES)),
  sdpMid: z.optional(z.nullable(z.string().check(z.maxLength(32)))),
  sdpMLineIndex: z.optional(z.nullable(z.int().check(z.minimum(0), z.maximum(64)))),
  usernameFragment: z.optional(z.nullable(z.string().check(z.maxLength(256)))),
});
export type Candidate = z.infer<typeof candidateSchema>;
export const candidateListSchema = z.array(candidateSchema).check(z.maxLength(MAX_CANDIDATES));

/** kad's server answers an initiate to an unknown peer with this (extension). */
export const NOT_FOUND_REPLY = { err: "notfound" } as const;
export const errorReplySchema = z.object({ err: z.string().check(z.maxLength(64)) });

// ---- kad extensions (section 6): replies an original client ignores ------

/**
 * Extra `connect` refusals kad's server may send besides CONNECT_ERRORS.
 * The server closes nothing on them; the client should give up or wait.
 */
export const KAD_CONNECT_ERRORS = [
  /** Too many failed joins from this address or for this room; try later. */
  "RATE_LIMITED",
  /** The room holds its maximum number of members. */
  "ROOM_FULL",
  /** The connect payload was malformed (e.g. empty username). */
  "INVALID_REQUEST",
  /** This connection already joined a room (or is joining one). */
  "ALREADY_JOINED",
] as const;
export type KadConnectError = (typeof KAD_CONNECT_ERRORS)[number];

/**
 * `{"err": ...}` payloads kad's server sends in place of a relayed reply, so
 * a waiting peer learns at once why its initiate chain ended.
 */
export const RELAY_ERRORS = [
  /** The target is not a member of your room. */
  "notfound",
  /** The other peer did not answer this step within the step timeout. */
  "timeout",
  /** The other peer disconnected while this step was pending. */
  "peer-left",
  /** The other peer has too many relay steps pending. */
  "busy",
  /** The request or the other peer's reply did not validate. */
  "invalid",
] as const;
export type RelayError = (typeof RELAY_ERRORS)[number];
