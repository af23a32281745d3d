/**
 * Share codes: a number and words from the EFF short list, e.g. `7-tiger-piano-oak`.
 * A code is also the room name, so it always matches ROOM_NAME_PATTERN.
 *
 * Codes for a server kad embeds in `kad send` fold the server's address in:
 * `<last IPv4 octet>-<port>-<word>-<word>-<word>`, e.g. `23-40123-tiger-piano-oak`.
 * A receiver on the same network completes the address from its own interfaces
 * (see session/embedded-server.ts). No `node:` imports: the web page uses this too.
 */
import { ROOM_NAME_PATTERN } from "../protocol/limits.js";
import { WORDS } from "./words.js";

export const CODE_WORDS = 3;
export const CODE_NUMBER_MAX = 999;

/** Entropy of a generated code, in bits; the README quotes these. */
export function codeEntropyBits(kind: "server" | "embedded"): number {
  const words = CODE_WORDS * Math.log2(WORDS.length);
  return kind === "server" ? Math.log2(CODE_NUMBER_MAX) + words : words;
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

export function isValidCode(code: string): boolean {
  return ROOM_NAME_PATTERN.test(code);
}

export interface EmbeddedAddress {
  hostOctet: number;
  port: number;
}

const EMBEDDED_CODE = /^(\d{1,3})-(\d{1,5})-[a-z]+(?:-[a-z]+)+$/;

/** The address folded into an embedded-server code, or undefined for other codes. */
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

/** A browser link `<origin>/#/<code>` split into server and code, or undefined. */
export function parseShareLink(input: string): ShareLink | undefined {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  const code = decodeURIComponent(url.hash.replace(/^#\/?/, ""));
  if (!isValidCode(code)) return undefined;
  const path = url.pathname.replace(/\/+$/, "");
  return { serverUrl: `${url.origin}${path}`, code };
}
