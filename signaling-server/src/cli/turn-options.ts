/**
 * `kad serve --turn-url URL... --turn-secret-file FILE [--turn-ttl SECONDS]`:
 * the coturn instance(s) whose `static-auth-secret` this server shares.
 * The secret comes from a file or KAD_TURN_SECRET, never from argv (visible in `ps`).
 */
import { readFileSync } from "node:fs";
import { type Command, InvalidArgumentError } from "commander";
import { KadError } from "../../../src/util/errors.js";
import {
  DEFAULT_TURN_TTL_SECONDS,
  MAX_TURN_TTL_SECONDS,
  type TurnSettings,
} from "../turn/turn-credentials.js";

/** Most --turn-url values; browsers slow down with many ICE servers. */
const MAX_TURN_URLS = 4;
const MIN_TURN_TTL_SECONDS = 60;
const MAX_SECRET_FILE_BYTES = 4096;

export interface RawTurnOptions {
  turnUrl?: string[];
  turnSecretFile?: string;
  turnTtl?: number;
}

/** `turn:host[:port][?transport=udp|tcp]` or `turns:...`, without credentials in it. */
export function parseTurnUrl(value: string, previous: string[] = []): string[] {
  if (!/^turns?:[A-Za-z0-9.\-[\]:]+(\?transport=(udp|tcp))?$/.test(value)) {
    throw new InvalidArgumentError(
      "must be a turn: or turns: URL like turn:turn.example.org:3478 (no credentials in it)",
    );
  }
  if (previous.length >= MAX_TURN_URLS) {
    throw new InvalidArgumentError(`at most ${MAX_TURN_URLS} TURN URLs`);
  }
  return [...previous, value];
}

function parseTtl(value: string): number {
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || seconds < MIN_TURN_TTL_SECONDS || seconds > MAX_TURN_TTL_SECONDS) {
    throw new InvalidArgumentError(
      `must be seconds from ${MIN_TURN_TTL_SECONDS} to ${MAX_TURN_TTL_SECONDS}`,
    );
  }
  return seconds;
}

export function addTurnOptions(command: Command): Command {
  return command
    .option(
      "--turn-url <url>",
      "hand room members short-lived credentials for this TURN server (turn: or turns: URL); repeatable",
      parseTurnUrl,
    )
    .option(
      "--turn-secret-file <file>",
      "file holding coturn's static-auth-secret (or set KAD_TURN_SECRET)",
    )
    .option(
      "--turn-ttl <seconds>",
      `how long handed-out TURN credentials stay valid (default: ${DEFAULT_TURN_TTL_SECONDS})`,
      parseTtl,
    );
}

function readSecretFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8").slice(0, MAX_SECRET_FILE_BYTES);
  } catch (error) {
    throw new KadError("USAGE", `cannot read the TURN secret file ${file}`, {
      cause: error,
      hint: "give a readable file holding coturn's static-auth-secret",
    });
  }
  return text.trim();
}

/** flag > environment; throws USAGE when URLs and secret do not come together. */
export function resolveTurnSettings(
  raw: RawTurnOptions,
  env: NodeJS.ProcessEnv,
): TurnSettings | undefined {
  const urls =
    raw.turnUrl ??
    (env.KAD_TURN_URLS ?? "")
      .split(",")
      .map((url) => url.trim())
      .filter(Boolean)
      .reduce<string[]>((all, url) => {
        try {
          return parseTurnUrl(url, all);
        } catch (error) {
          throw new KadError("USAGE", `KAD_TURN_URLS ${(error as Error).message}`);
        }
      }, []);
  const secretFile = raw.turnSecretFile ?? (env.KAD_TURN_SECRET_FILE || undefined);
  const secret = secretFile ? readSecretFile(secretFile) : (env.KAD_TURN_SECRET ?? "").trim();
  const ttlText = env.KAD_TURN_TTL || undefined;
  const ttlSeconds = raw.turnTtl ?? (ttlText ? ttlFromEnv(ttlText) : DEFAULT_TURN_TTL_SECONDS);
  if (urls.length === 0 && !secret) return undefined;
  if (urls.length === 0 || !secret) {
    throw new KadError("USAGE", "TURN needs both --turn-url and a secret", {
      hint: "give --turn-url turn:HOST:3478 and --turn-secret-file FILE (or KAD_TURN_SECRET)",
    });
  }
  return { urls, secret, ttlSeconds };
}

function ttlFromEnv(text: string): number {
  try {
    return parseTtl(text);
  } catch (error) {
    throw new KadError("USAGE", `KAD_TURN_TTL ${(error as Error).message}`);
  }
}
