/**
 * TURN credentials in the "TURN REST API" style coturn checks with
 * `use-auth-secret`: the username is `<expiry unix seconds>:<random>`, the
 * password the base64 HMAC-SHA1 of that username under the shared secret.
 * coturn refuses them once the expiry has passed, so a leaked pair is only
 * good for a bounded time, and the secret itself never leaves the server.
 */
import { createHmac, randomBytes } from "node:crypto";
import type {
  GrantedIceServer,
  IceServersReply,
} from "../../../src/protocol/ice-servers-message.js";

/** Default lifetime of handed-out credentials. */
export const DEFAULT_TURN_TTL_SECONDS = 3600;
/** Longest lifetime an operator may choose. */
export const MAX_TURN_TTL_SECONDS = 24 * 3600;
const RANDOM_BYTES = 9;

export interface TurnSettings {
  /** `turn:` / `turns:` URLs of the coturn instance(s) sharing the secret. */
  urls: string[];
  secret: string;
  ttlSeconds: number;
}

/** Hands out ICE servers to members of a room. A seam: tests and other back ends plug in here. */
export interface TurnIssuer {
  issue(nowMs: number): IceServersReply;
}

export function turnPassword(username: string, secret: string): string {
  return createHmac("sha1", secret).update(username).digest("base64");
}

export function turnUsername(expiresAtSeconds: number, random: string): string {
  return `${expiresAtSeconds}:${random}`;
}

/**
 * The STUN service on the same host and port as each plain `turn:` URL: coturn
 * answers STUN binding requests there, so clients need no third-party STUN.
 */
export function stunUrlsFor(turnUrls: string[]): string[] {
  const stun = new Set<string>();
  for (const url of turnUrls) {
    const match = /^turn:([^?]+)/.exec(url);
    if (match?.[1]) stun.add(`stun:${match[1]}`);
  }
  return [...stun];
}

export class SharedSecretTurnIssuer implements TurnIssuer {
  constructor(private readonly settings: TurnSettings) {}

  issue(nowMs: number): IceServersReply {
    const { urls, secret, ttlSeconds } = this.settings;
    const expires = Math.floor(nowMs / 1000) + ttlSeconds;
    const username = turnUsername(expires, randomBytes(RANDOM_BYTES).toString("base64url"));
    const turn: GrantedIceServer = { urls, username, credential: turnPassword(username, secret) };
    const stun = stunUrlsFor(urls);
    return { iceServers: stun.length > 0 ? [{ urls: stun }, turn] : [turn], ttlSeconds };
  }
}
