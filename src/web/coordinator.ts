/**
 * The coordinator HTTP API (browser-protocol.md section 1) through the shared
 * client in src/protocol, on the origin that served the page.
 */
import * as coordinator from "../protocol/coordinator-client.js";
import { ROOM_NAME_PATTERN } from "../protocol/limits.js";
import type { CreateRoomRequest, RoomInfo } from "../protocol/signaling-messages.js";
import { isKadError } from "../util/errors.js";
import { toPageError } from "./kad-errors.js";
import { PageError } from "./page-error.js";

const REQUEST_TIMEOUT_MS = 10_000;

/** The server's base URL: where the page itself came from. */
function baseUrl(): string {
  const page = new URL(".", document.baseURI);
  return page.href.replace(/\/+$/, "");
}

const timedFetch: coordinator.FetchLike = (url, init) =>
  fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

export async function lookupRoom(code: string): Promise<RoomInfo> {
  if (!ROOM_NAME_PATTERN.test(code)) {
    throw new PageError(
      "bad-code",
      `"${code}" is not a room code: codes are 5 to 64 letters, digits or dashes.`,
    );
  }
  try {
    return await coordinator.lookupRoom(timedFetch, baseUrl(), code);
  } catch (error) {
    if (isKadError(error) && error.code === "ROOM_NOT_FOUND") {
      throw new PageError(
        "room-not-found",
        `There is no room "${code}". It may have expired (rooms last 30 minutes) or the code is mistyped.`,
      );
    }
    throw toPageError(error);
  }
}

/** Creates a room; resolves to its WebSocket URL. */
export async function createRoom(room: CreateRoomRequest): Promise<string> {
  try {
    return await coordinator.createRoom(timedFetch, baseUrl(), room);
  } catch (error) {
    throw toPageError(error);
  }
}
