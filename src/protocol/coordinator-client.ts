/**
 * Client side of the coordinator HTTP API (browser-protocol.md section 1).
 * `fetch` is injected, so the web page and the CLI share this.
 */
import { KadError } from "../util/errors.js";
import { ROOM_TTL_MS } from "./limits.js";
import { type CreateRoomRequest, type RoomInfo, roomInfoSchema } from "./signaling-messages.js";

export interface FetchResponseLike {
  status: number;
  json(): Promise<unknown>;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<FetchResponseLike>;

const JSON_HEADERS = { "Content-Type": "application/json", Accept: "application/json" };

function endpoint(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, "")}${path}`;
}

/** Every coordinator request answers or fails within this. */
export const HTTP_TIMEOUT_MS = 10_000;

async function call(
  fetchFn: FetchLike,
  url: string,
  init: Parameters<FetchLike>[1],
  baseUrl: string,
): Promise<FetchResponseLike> {
  const timeout = AbortSignal.timeout(HTTP_TIMEOUT_MS);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  try {
    return await fetchFn(url, { ...init, signal });
  } catch (error) {
    if (timeout.aborted && !init.signal?.aborted) {
      throw new KadError("SERVER_UNREACHABLE", `the server at ${baseUrl} did not answer in time`, {
        hint: "Check the address (--server / KAD_SERVER) and the network, then try again.",
        cause: error,
      });
    }
    if (init.signal?.aborted) throw new KadError("INTERRUPTED", "interrupted", { cause: error });
    throw new KadError("SERVER_UNREACHABLE", `cannot reach the server at ${baseUrl}`, {
      hint: "Check the address (--server / KAD_SERVER) and that the server is running.",
      cause: error,
    });
  }
}

function unexpectedStatus(status: number, baseUrl: string): KadError {
  if (status === 429) {
    return new KadError("RATE_LIMITED", "the server refused: too many attempts", {
      hint: "Wait a few minutes and try again.",
    });
  }
  return new KadError("SERVER_UNREACHABLE", `the server at ${baseUrl} answered ${status}`, {
    hint: "Is this a kad (kamelladjutant) server?",
  });
}

/** Turns the WebSocket URI a server returned into an absolute ws(s) URL. */
export function resolveWebSocketUri(uri: string, baseUrl: string): string {
  const url = new URL(uri, baseUrl);
  if (url.protocol === "http:") url.protocol = "ws:";
  if (url.protocol === "https:") url.protocol = "wss:";
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new KadError("PROTOCOL", `the server returned an unusable WebSocket URI: ${uri}`);
  }
  return url.toString();
}

/** POST /rooms. Resolves with the signaling WebSocket URL; ROOM_EXISTS on 409. */
export async function createRoom(
  fetchFn: FetchLike,
  baseUrl: string,
  request: CreateRoomRequest,
  signal?: AbortSignal,
): Promise<string> {
  const response = await call(
    fetchFn,
    endpoint(baseUrl, "/rooms"),
    { method: "POST", headers: JSON_HEADERS, body: JSON.stringify(request), signal },
    baseUrl,
  );
  if (response.status === 409) throw new KadError("ROOM_EXISTS", "that code is already in use");
  if (response.status === 400) {
    throw new KadError("USAGE", "the server refused the code", {
      hint: "A code has 5-64 letters, digits or dashes.",
    });
  }
  if (response.status !== 201) throw unexpectedStatus(response.status, baseUrl);
  const body = await response.json().catch(() => undefined);
  if (typeof body !== "string" || body.length > 2048) {
    throw new KadError("PROTOCOL", "the server's room reply is not a WebSocket URI");
  }
  return resolveWebSocketUri(body, baseUrl);
}

/** GET /rooms/:name. ROOM_NOT_FOUND on 404. */
export async function lookupRoom(
  fetchFn: FetchLike,
  baseUrl: string,
  roomname: string,
  signal?: AbortSignal,
): Promise<RoomInfo> {
  const response = await call(
    fetchFn,
    endpoint(baseUrl, `/rooms/${encodeURIComponent(roomname)}`),
    { method: "GET", headers: { Accept: "application/json" }, signal },
    baseUrl,
  );
  if (response.status === 404) {
    throw new KadError("ROOM_NOT_FOUND", "no transfer is waiting under that code", {
      hint: `Check the code for typos; codes expire after ${ROOM_TTL_MS / 60_000} minutes or when the sender stops.`,
    });
  }
  if (response.status !== 200) throw unexpectedStatus(response.status, baseUrl);
  const parsed = roomInfoSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success)
    throw new KadError("PROTOCOL", "the server's room lookup reply is malformed");
  return { ...parsed.data, webSocketUri: resolveWebSocketUri(parsed.data.webSocketUri, baseUrl) };
}
