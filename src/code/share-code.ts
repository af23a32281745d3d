/**
 * Share codes: a number and words from the EFF short list, e.g. `7-tiger-piano-oak`.
 * A code is two parts: the room (`7-tiger`, all the server ever sees, within
 * ROOM_NAME_PATTERN) and the secret (`piano-oak`, the last two words, which
 * never leaves the two peers: they prove it to each other, engine/pake.ts).
 * A code whose last two parts are not both plain words (`reference-room-12-3`,
 * an original client's `x7k2m9p4q1w8`) is a room without a secret; one that
 * only looks split (`my-cool-room`) is tried whole when its split room does
 * not exist (plainRoomFallback).
 *
 * Codes for a server kad embeds in `kad send` fold the server's address in:
 * `<last IPv4 octet>-<port>-<word>-<word>-<word>`, e.g. `23-40123-tiger-piano-oak`.
 * A receiver on the same network completes the address from its own interfaces
 * (see session/embedded-server.ts). No `node:` imports: the web page uses this too.
 */
import { ROOM_NAME_PATTERN } from "../protocol/limits.js";
import { WORDS } from "./words.js";

export const CODE_WORDS = 3;
/** Words at the end of a code that form its secret. */
export const SECRET_WORDS = 2;
export const CODE_NUMBER_MAX = 999;

/** Entropy in bits of a generated code's room part and of its secret; the README quotes these. */
export function codeEntropyBits(kind: "server" | "embedded" | "secret"): number {
  const word = Math.log2(WORDS.length);
  if (kind === "secret") return SECRET_WORDS * word;
  const roomWords = (CODE_WORDS - SECRET_WORDS) * word;
  return kind === "server" ? Math.log2(CODE_NUMBER_MAX) + roomWords : roomWords;
}

export type RandomInt = (exclusiveMax: number) => number;

/** Uniform integer in [0, exclusiveMax) from the platform CSPRNG, without modulo bias. */
export const secureRandomInt: RandomInt = (exclusiveMax) => {
  const limit = Math.floor(0x1_0000_0000 / exclusiveMax) * exclusiveMax;
  const buffer = new Uint32Array(1);
  for (;;) {
    globalThis.crypto.getRandomValues(buffer);
    const value = buffer[0] ?? 0;
    if (value < limit) return value % exclusiveMax;
  }
};

function randomWords(random: RandomInt): string[] {
  return Array.from({ length: CODE_WORDS }, () => WORDS[random(WORDS.length)] ?? "kad");
}

/** Fresh secret words for a room whose name was chosen (the page's "Room code"). */
export function generateSecret(random: RandomInt = secureRandomInt): string {
  return randomWords(random).slice(-SECRET_WORDS).join("-");
}

/** A fresh code for a room on a named server: `N-word-word-word`. */
export function generateCode(random: RandomInt = secureRandomInt): string {
  return [String(1 + random(CODE_NUMBER_MAX)), ...randomWords(random)].join("-");
}

/** A fresh code for an embedded server at `<prefix>.<hostOctet>:<port>`. */
export function generateEmbeddedCode(
  hostOctet: number,
  port: number,
  random: RandomInt = secureRandomInt,
): string {
  return [String(hostOctet), String(port), ...randomWords(random)].join("-");
}

/** Trims and turns inner spaces into dashes, so `7 tiger piano oak` works too. */
export function normalizeCode(input: string): string {
  return input.trim().replace(/\s+/g, "-").replace(/-+/g, "-");
}

export interface SplitCode {
  /** The room name: the only part the server sees. */
  room: string;
  /** The secret the peers prove to each other, lower case; undefined for a plain room. */
  secret: string | undefined;
}

const SECRET_WORD = /^[a-zA-Z]+$/;

/** The split by shape alone: the last two parts when both are plain words. */
function splitByShape(code: string): SplitCode {
  const parts = code.split("-");
  const tail = parts.slice(-SECRET_WORDS);
  const hasSecret = parts.length > SECRET_WORDS && tail.every((part) => SECRET_WORD.test(part));
  return hasSecret
    ? { room: parts.slice(0, -SECRET_WORDS).join("-"), secret: tail.join("-").toLowerCase() }
    : { room: code, secret: undefined };
}

/**
 * Splits a normalized code into room and secret; undefined when it holds no
 * valid room name. A code whose split room is too short to be one
 * (`my-cool-room`) is a plain room when plainRoomFallback allows it.
 */
export function splitCode(code: string): SplitCode | undefined {
  const split = splitByShape(code);
  if (ROOM_NAME_PATTERN.test(split.room)) return split;
  return mayBePlainRoom(code, split) ? { room: code, secret: undefined } : undefined;
}

/** How every code kad generates starts: `N-` (server) or `octet-` (embedded). */
const GENERATED_START = /^\d{1,3}-/;

/**
 * Whether `code`, split as `split`, may be tried whole as a plain room: an
 * original client's room named `my-cool-room` splits as `my` + `cool-room`.
 * Trying it whole sends the would-be secret words to the server, and a
 * hostile server can fake "not found" at will, so it must never happen to a
 * code kad could have made, or the server would learn the secret and pass
 * the check in the receiver's place. So never when the code starts like a
 * generated one (whatever follows, so a typo or a dropped word does not leak
 * either), nor when both secret parts are words of the list (as the secret
 * of a room named on the page is). What is left is an original client's
 * room, joined without a secret and with the "cannot be verified" warning.
 * What remains exposed: a typo in the secret of a room named on the page,
 * and only to a server that lies about the room.
 */
function mayBePlainRoom(code: string, split: SplitCode): boolean {
  if (!split.secret || GENERATED_START.test(code)) return false;
  if (split.secret.split("-").every((word) => WORDS.includes(word))) return false;
  return ROOM_NAME_PATTERN.test(code);
}

/** The whole code as a plain room, to try when the room of its split does not exist (see mayBePlainRoom). */
export function plainRoomFallback(code: string): string | undefined {
  return mayBePlainRoom(code, splitByShape(code)) ? code : undefined;
}

/** A code kad send can use: a valid room followed by a two-word secret. */
export function isValidCode(code: string): boolean {
  return splitCode(code)?.secret !== undefined;
}

/** The code back from its parts. */
export function joinCode(split: SplitCode): string {
  return split.secret ? `${split.room}-${split.secret}` : split.room;
}

export interface EmbeddedAddress {
  hostOctet: number;
  port: number;
}

const EMBEDDED_CODE = /^(\d{1,3})-(\d{1,5})(?:-[a-z]+)+$/;

/** The address folded into an embedded-server code or its room, or undefined for other codes. */
export function embeddedAddressOf(code: string): EmbeddedAddress | undefined {
  const match = EMBEDDED_CODE.exec(code);
  if (!match) return undefined;
  const hostOctet = Number(match[1]);
  const port = Number(match[2]);
  if (hostOctet < 1 || hostOctet > 254 || port < 1 || port > 65_535) return undefined;
  return { hostOctet, port };
}

export interface ShareLink {
  serverUrl: string;
  code: string;
}

/** The fragment of a browser link: `#/<room>/<secret>` (the fragment never reaches a server). */
export function linkFragment(split: SplitCode): string {
  return split.secret ? `#/${split.room}/${split.secret}` : `#/${split.room}`;
}

/** A fragment `#/<room>/<secret>` or `#/<code>` as one code, or undefined. */
export function codeFromFragment(hash: string): string | undefined {
  let text: string;
  try {
    text = decodeURIComponent(hash.replace(/^#\/?/, "")).trim();
  } catch {
    return undefined;
  }
  const code = text.replace(/\/+$/, "").replace("/", "-");
  return splitCode(code) ? code : undefined;
}

/** A browser link `<origin>/#/<room>/<secret>` (or `#/<code>`) split into server and code, or undefined. */
export function parseShareLink(input: string): ShareLink | undefined {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  const code = codeFromFragment(url.hash);
  if (code === undefined) return undefined;
  const path = url.pathname.replace(/\/+$/, "");
  return { serverUrl: `${url.origin}${path}`, code };
}
