/**
 * The concrete network pieces a session uses: node:http for the coordinator
 * API (http-fetch.ts) and the `ws` package for the signaling WebSocket (Node
 * 20 has no global WebSocket), with kad's frame limit.
 */
import type { FetchLike } from "../protocol/coordinator-client.js";
import { MAX_FRAME_BYTES } from "../protocol/limits.js";
import { SignalingClient, type SocketLike } from "../protocol/signaling-client.js";
import { KadError } from "../util/errors.js";
import { httpFetch } from "./http-fetch.js";

export const nodeFetch: FetchLike = httpFetch;

export async function openSignaling(url: string): Promise<SignalingClient> {
  const { WebSocket } = await import("ws");
  return SignalingClient.open(
    url,
    (socketUrl, protocol) =>
      new WebSocket(socketUrl, protocol, { maxPayload: MAX_FRAME_BYTES }) as unknown as SocketLike,
  );
}

export function serverLost(): KadError {
  return new KadError("SERVER_UNREACHABLE", "lost the connection to the signaling server", {
    hint: "The server stopped or the network dropped; start the transfer again.",
  });
}
