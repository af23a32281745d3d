/**
 * Where kad receive finds the room behind a code: on the server given, in a
 * browser link, or on the built-in server of a kad send on this network. With
 * --wait a code nobody sends under yet is looked up again until a sender
 * opens it. Only the room part of a code ever goes to a server.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  embeddedAddressOf,
  normalizeCode,
  parseShareLink,
  plainRoomFallback,
  type SplitCode,
  splitCode,
} from "../code/share-code.js";
import { lookupRoom } from "../protocol/coordinator-client.js";
import type { RoomInfo } from "../protocol/signaling-messages.js";
import { KadError } from "../util/errors.js";
import { nodeFetch } from "./connections.js";
import { findEmbeddedServer } from "./embedded-server.js";
import type { EventSink } from "./events.js";
import type { SessionScope } from "./scope.js";

export interface LookupConfig {
  /** The code or browser link as given. */
  code: string;
  server: string | undefined;
  /** --wait: a code nobody sends under yet is looked up again, not refused. */
  waitForSender: boolean;
  timeoutMs: number;
}

/**
 * --wait looks a missing room up again this often: quickly at first, since a
 * script usually starts both sides at the same moment, then less and less.
 */
export const ROOM_POLL_FIRST_MS = 20;
export const ROOM_POLL_MAX_MS = 1_000;
const ROOM_POLL_QUICK_FOR_MS = 1_000;

/**
 * Codes are generated in lower case, but people type or dictate them (phones
 * capitalize): a code not found as typed is tried once more in lower case,
 * then (an original client's room) as a whole.
 */
async function locateRoom(
  config: LookupConfig,
): Promise<{ baseUrl: string; code: SplitCode; room: RoomInfo }> {
  const link = parseShareLink(config.code);
  const text = link?.code ?? normalizeCode(config.code);
  const code = splitCode(text);
  if (!code) {
    throw new KadError("USAGE", "that is not a kad code or link", {
      hint: "A code looks like 7-tiger-piano-oak; a link like http://host:9891/#/7-tiger/piano-oak.",
    });
  }
  let firstError: unknown;
  for (const candidate of roomCandidates(text, code)) {
    try {
      return { code: candidate, ...(await locateRoomAs(config, link?.serverUrl, candidate.room)) };
    } catch (error) {
      firstError ??= error;
      if (!(error instanceof KadError && error.code === "ROOM_NOT_FOUND")) throw firstError;
    }
  }
  throw firstError;
}

type FoundRoom = Awaited<ReturnType<typeof locateRoom>>;

/** The room behind the code, within --timeout; with --wait, once a sender opened it. */
export async function findRoom(
  scope: SessionScope,
  config: LookupConfig,
  emit: EventSink,
): Promise<FoundRoom> {
  if (!config.waitForSender) return scope.race(locateRoom(config));
  const given = new AbortController();
  try {
    return await scope.within(
      locateRoomOnceThere(config, emit, given.signal),
      config.timeoutMs,
      "waiting for a sender under that code",
    );
  } finally {
    given.abort();
  }
}

/** Looks the code up until a sender opens it, or until `givenUp` (timeout, Ctrl-C). */
async function locateRoomOnceThere(
  config: LookupConfig,
  emit: EventSink,
  givenUp: AbortSignal,
): Promise<FoundRoom> {
  const startedAt = Date.now();
  let pause = ROOM_POLL_FIRST_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await locateRoom(config);
    } catch (error) {
      if (!(error instanceof KadError && error.code === "ROOM_NOT_FOUND")) throw error;
    }
    if (attempt === 0)
      emit({ event: "status", message: "nobody sends under that code yet; waiting" });
    // Rejects when given up, so no timer outlives the wait.
    await sleep(pause, undefined, { signal: givenUp });
    if (Date.now() - startedAt > ROOM_POLL_QUICK_FOR_MS) {
      pause = Math.min(pause * 2, ROOM_POLL_MAX_MS);
    }
  }
}

/**
 * The rooms to look up, in order: as typed, in lower case, and an original
 * client's room that only looks split (plainRoomFallback says why that
 * cannot hand a kad code's secret to a lying server).
 */
function roomCandidates(text: string, code: SplitCode): SplitCode[] {
  const candidates = [code];
  const lower = code.room.toLowerCase();
  if (lower !== code.room) candidates.push({ room: lower, secret: code.secret });
  const plain = code.secret ? plainRoomFallback(text) : undefined;
  if (plain) candidates.push({ room: plain, secret: undefined });
  return candidates;
}

/** Only the room part ever goes to a server; the secret stays here. */
async function locateRoomAs(
  config: LookupConfig,
  linkServer: string | undefined,
  room: string,
): Promise<{ baseUrl: string; room: RoomInfo }> {
  const baseUrl = config.server ?? linkServer;
  if (baseUrl) return { baseUrl, room: await lookupRoom(nodeFetch, baseUrl, room) };
  if (!embeddedAddressOf(room)) {
    throw new KadError("USAGE", "this code needs the server it was made on", {
      hint: "Pass --server URL (or set KAD_SERVER), or paste the browser link instead of the code.",
    });
  }
  return findEmbeddedServer(room, nodeFetch);
}
