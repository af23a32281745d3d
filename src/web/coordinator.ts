/**
 * The coordinator HTTP API (browser-protocol.md section 1), as the page calls
 * it: on the origin that served the page.
 */
import { ROOM_NAME_PATTERN } from "../protocol/limits.js";
import { type RoomInfo, roomInfoSchema } from "../protocol/signaling-messages.js";
import { PageError } from "./page-error.js";

const REQUEST_TIMEOUT_MS = 10_000;

function apiUrl(path: string): URL {
  return new URL(path, document.baseURI);
}

async function call(url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch {
    throw new PageError(
      "server-unreachable",
      "Cannot reach the kad server. Check your connection and reload the page.",
    );
  }
}

export async function lookupRoom(code: string): Promise<RoomInfo> {
  if (!ROOM_NAME_PATTERN.test(code)) {
    throw new PageError(
      "bad-code",
      `"${code}" is not a room code: codes are 5 to 64 letters, digits or dashes.`,
    );
  }
  const response = await call(apiUrl(`rooms/${encodeURIComponent(code)}`), {
    headers: { Accept: "application/json" },
  });
  if (response.status === 404) {
    throw new PageError(
      "room-not-found",
      `There is no room "${code}". It may have expired (rooms last 30 minutes) or the code is mistyped.`,
    );
  }
  if (!response.ok) throw serverError(response);
  const info = roomInfoSchema.safeParse(await response.json().catch(() => null));
  if (!info.success) throw new PageError("protocol", "The server sent an unexpected answer.");
  return info.data;
}

export interface NewRoom {
  roomname: string;
  username: string;
  password?: string;
}

/** Creates a room; resolves to its WebSocket URI. */
export async function createRoom(room: NewRoom): Promise<string> {
  const response = await call(apiUrl("rooms"), {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(room),
  });
  if (response.status === 409) {
    throw new PageError(
      "room-exists",
      `The code "${room.roomname}" is taken. Pick another one or leave it empty.`,
    );
  }
  if (response.status === 400) {
    throw new PageError("bad-code", "The server refused that room code or password.");
  }
  if (response.status !== 201) throw serverError(response);
  const uri: unknown = await response.json().catch(() => null);
  if (typeof uri !== "string" || !/^wss?:\/\//.test(uri)) {
    throw new PageError("protocol", "The server sent an unexpected answer.");
  }
  return uri;
}

function serverError(response: Response): PageError {
  if (response.status === 429) {
    return new PageError(
      "server-unreachable",
      "The server is busy: too many attempts. Wait a minute and try again.",
    );
  }
  return new PageError(
    "server-unreachable",
    `The server answered with an error (${response.status}).`,
  );
}
