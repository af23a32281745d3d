/**
 * kad extension `kad.ice` (browser-protocol.md section 6): a joined member asks
 * its server for ICE servers, and a kad server with TURN configured answers
 * with short-lived TURN credentials (and the STUN service on the same hosts).
 * An original server never answers; an original client never asks.
 *
 *   client --{"type":"kad.ice","payload":{},"id":I}--> server
 *   client <--{"replyId":I,"payload":{"iceServers":[...],"ttlSeconds":N}}--
 *   (unjoined:  {"replyId":I,"payload":{"err":"NOT_JOINED"}})
 */
import * as z from "zod/mini";

export const ICE_REQUEST_TYPE = "kad.ice";
/** Most ICE server entries a client accepts from its server. */
export const MAX_GRANTED_ICE_SERVERS = 8;
/** Most URLs in one entry. */
const MAX_URLS_PER_SERVER = 8;
/** How long a client waits for the answer; an original server never sends one. */
export const ICE_REQUEST_TIMEOUT_MS = 3_000;

const iceUrlSchema = z
  .string()
  .check(z.maxLength(512), z.regex(/^(stun|stuns|turn|turns):[^\s]+$/));

/** RTCIceServer as JSON, as browsers take it. */
export const grantedIceServerSchema = z.object({
  urls: z.array(iceUrlSchema).check(z.minLength(1), z.maxLength(MAX_URLS_PER_SERVER)),
  username: z.optional(z.string().check(z.maxLength(256))),
  credential: z.optional(z.string().check(z.maxLength(256))),
});
export type GrantedIceServer = z.infer<typeof grantedIceServerSchema>;

export const iceServersReplySchema = z.object({
  iceServers: z.array(grantedIceServerSchema).check(z.maxLength(MAX_GRANTED_ICE_SERVERS)),
  /** How long the credentials stay valid from when they were sent. */
  ttlSeconds: z.int().check(z.minimum(0), z.maximum(7 * 24 * 3600)),
});
export type IceServersReply = z.infer<typeof iceServersReplySchema>;

export const ICE_NOT_JOINED = { err: "NOT_JOINED" } as const;
