/**
 * With no --server, `kad send` runs the signaling server in its own process
 * on the LAN and folds its address into the code (`<last octet>-<port>-words`).
 * `kad receive` completes the address from its own IPv4 interfaces: each of
 * them contributes `<its first three octets>.<octet>`, and the first that knows
 * the room wins. With no LAN address (only `lo` up), the server is on 127.0.0.1.
 */
import { existsSync } from "node:fs";
import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";
import { fileURLToPath } from "node:url";
import { embeddedAddressOf } from "../code/share-code.js";
import { type FetchLike, lookupRoom } from "../protocol/coordinator-client.js";
import type { RoomInfo } from "../protocol/signaling-messages.js";
import { KadError } from "../util/errors.js";
import { LOOPBACK_ADDRESS } from "./ice.js";

/** How long the receiver waits for each candidate address of an embedded server. */
export const EMBEDDED_LOOKUP_TIMEOUT_MS = 3_000;

export interface EmbeddedServer {
  baseUrl: string;
  hostOctet: number;
  port: number;
  close(): Promise<void>;
}

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

function ipv4Addresses(interfaces: Interfaces): { address: string; internal: boolean }[] {
  return Object.values(interfaces)
    .flatMap((list) => list ?? [])
    .filter((info) => info.family === "IPv4");
}

function isPrivate(address: string): boolean {
  return /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(address);
}

/** The address to serve on: a private LAN IPv4 first, any external IPv4 next, else loopback. */
export function pickLanAddress(interfaces: Interfaces = networkInterfaces()): string {
  const external = ipv4Addresses(interfaces).filter((info) => !info.internal);
  return (
    (external.find((info) => isPrivate(info.address)) ?? external[0])?.address ?? LOOPBACK_ADDRESS
  );
}

/** Where an embedded server with this octet may be, seen from this machine. */
export function candidateHosts(
  hostOctet: number,
  interfaces: Interfaces = networkInterfaces(),
): string[] {
  const hosts = ipv4Addresses(interfaces).map(
    (info) => `${info.address.split(".").slice(0, 3).join(".")}.${hostOctet}`,
  );
  return [...new Set(hosts.length > 0 ? hosts : [`127.0.0.${hostOctet}`])];
}

function webRoot(): string | undefined {
  const dir = fileURLToPath(new URL("./web/", import.meta.url));
  return existsSync(dir) ? dir : undefined;
}

export async function startEmbeddedServer(): Promise<EmbeddedServer> {
  const address = pickLanAddress();
  const { startSignalingServer } = await import("../../signaling-server/src/index.js");
  const server = await startSignalingServer({ host: address, port: 0, webRoot: webRoot() });
  const hostOctet = Number(address.split(".")[3]);
  return { baseUrl: server.url, hostOctet, port: server.port, close: () => server.close() };
}

/** Finds the embedded server a code points at; ROOM_NOT_FOUND when none answers. */
export async function findEmbeddedServer(
  code: string,
  fetchFn: FetchLike,
): Promise<{ baseUrl: string; room: RoomInfo }> {
  const address = embeddedAddressOf(code);
  if (!address) throw new KadError("INTERNAL", "not an embedded-server code");
  const attempts = candidateHosts(address.hostOctet).map(async (host) => {
    const baseUrl = `http://${host}:${address.port}`;
    const signal = AbortSignal.timeout(EMBEDDED_LOOKUP_TIMEOUT_MS);
    return { baseUrl, room: await lookupRoom(fetchFn, baseUrl, code, signal) };
  });
  try {
    return await Promise.any(attempts);
  } catch {
    throw new KadError("ROOM_NOT_FOUND", "no kad send with that code answers on this network", {
      hint: "Check the code; the sender must still be running, on this machine or LAN. Across networks use a shared server (--server).",
    });
  }
}
