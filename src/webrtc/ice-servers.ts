/**
 * Turns ICE servers in the browser's RTCIceServer shape (what kad's server
 * hands out) into what libdatachannel takes. A URL string cannot carry a TURN
 * REST username, which itself holds a colon, so TURN servers become objects.
 */
import type { IceServer } from "node-datachannel";
import type { GrantedIceServer } from "../protocol/ice-servers-message.js";

export type IceServerSpec = string | IceServer;

const DEFAULT_PORTS = { turn: 3478, turns: 5349 } as const;

/** `turn:host[:port][?transport=tcp]`; undefined when it does not parse. */
export function parseTurnUrl(
  url: string,
): { hostname: string; port: number; relayType: IceServer["relayType"] } | undefined {
  const match =
    /^(turns?):(\[[0-9a-fA-F:.]+\]|[^:?\s]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/.exec(url);
  if (!match) return undefined;
  const [, scheme, host, portText, transport] = match;
  const secure = scheme === "turns";
  const port = portText ? Number(portText) : DEFAULT_PORTS[secure ? "turns" : "turn"];
  if (!host || port < 1 || port > 65535) return undefined;
  const relayType = secure ? "TurnTls" : transport === "tcp" ? "TurnTcp" : "TurnUdp";
  return { hostname: host.replace(/^\[|\]$/g, ""), port, relayType };
}

export function toNativeIceServers(servers: GrantedIceServer[]): IceServerSpec[] {
  const native: IceServerSpec[] = [];
  for (const server of servers) {
    for (const url of server.urls) {
      if (url.startsWith("stun:")) {
        native.push(url);
        continue;
      }
      const turn = parseTurnUrl(url);
      if (!turn || server.username === undefined || server.credential === undefined) continue;
      native.push({ ...turn, username: server.username, password: server.credential });
    }
  }
  return native;
}

/** True when the list holds a TURN server, i.e. a relayed path is possible. */
export function hasRelay(servers: IceServerSpec[]): boolean {
  return servers.some((server) =>
    typeof server === "string" ? /^turns?:/.test(server) : server.relayType !== undefined,
  );
}

/**
 * The hosts of the TURN servers in the list: a candidate at one of them that
 * the peer never signalled is its relayed address (selected-path.ts).
 */
export function relayHosts(servers: IceServerSpec[]): string[] {
  return servers.flatMap((server) => {
    if (typeof server !== "string") return server.relayType ? [server.hostname] : [];
    const hostname = parseTurnUrl(server.replace(/^(turns?:)[^@]*@/, "$1"))?.hostname;
    return hostname ? [hostname] : [];
  });
}
