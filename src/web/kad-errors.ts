/**
 * The shared protocol clients (src/protocol) fail with KadError, worded for
 * the CLI ("pass --password"). The page says the same things in its own words.
 */
import { ROOM_TTL_MS } from "../protocol/limits.js";
import { isKadError } from "../util/errors.js";
import { PageError } from "./page-error.js";

export function toPageError(error: unknown): unknown {
  if (!isKadError(error)) return error;
  switch (error.code) {
    case "ROOM_NOT_FOUND":
      return new PageError(
        "room-not-found",
        `This room does not exist any more (rooms last ${ROOM_TTL_MS / 60_000} minutes) or the code is mistyped. Ask for a new link.`,
      );
    case "ROOM_EXISTS":
      return new PageError(
        "room-exists",
        "That code is taken. Pick another one or leave it empty.",
      );
    case "ROOM_FULL":
      return new PageError(
        "room-full",
        "This room is full: as many people as it can hold are already in it. Ask for a new link.",
      );
    case "USERNAME_CONFLICT":
      return new PageError(
        "name-taken",
        "Someone in this room already uses the name this page picked. Try again.",
      );
    case "RATE_LIMITED":
      return new PageError(
        "rate-limited",
        "The server is turning this page away for now: too many attempts from here (new rooms, unknown codes or wrong passwords). Wait a few minutes, then try again.",
      );
    case "CREDENTIALS":
      return new PageError("credentials", "Wrong password.");
    case "USAGE":
      return new PageError("bad-code", "The server refused that room code or password.");
    case "SERVER_UNREACHABLE":
    case "INTERRUPTED":
      return new PageError(
        "server-unreachable",
        `Cannot reach the kad server, or it turned us away (${error.message}). Check your connection and try again.`,
      );
    case "PEER_UNREACHABLE":
    case "PEER_LEFT":
      return new PageError("peer-left", "The other side is no longer there or did not answer.");
    case "TIMEOUT":
      return new PageError("timeout", "The other side did not answer in time.");
    default:
      return new PageError(
        "protocol",
        `The other side or the server sent something unexpected (${error.message}).`,
      );
  }
}
