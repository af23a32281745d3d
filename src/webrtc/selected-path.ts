/**
 * Which way the bytes flow, from the selected candidate pair. libdatachannel
 * may misname the type of a selected candidate (a relayed local one was seen
 * reported as `host`), so each end takes the type of the signalled candidate
 * with its address and port, and the reported type only when none matches.
 * An end that was never signalled but sits at a TURN server's address is a
 * relayed one: under load a peer's relay candidate can come after its list
 * went out, and its relayed address is then first seen as peer-reflexive.
 */

export type CandidateType = "host" | "srflx" | "prflx" | "relay" | "unknown";

export interface PeerPath {
  path: "direct" | "relay";
  /** How the direct path goes: on one network, or through NAT mappings. */
  route: "lan" | "nat" | "relay";
  local: CandidateType;
  remote: CandidateType;
  /** The relay's address, when relayed. */
  via?: string;
}

export interface SelectedEnd {
  address: string;
  port: number;
  type: string;
}

const TYPES: readonly CandidateType[] = ["host", "srflx", "prflx", "relay"];

function candidateType(type: string): CandidateType {
  const lower = type.toLowerCase();
  if (lower === "server_reflexive" || lower === "serverreflexive") return "srflx";
  if (lower === "peer_reflexive" || lower === "peerreflexive") return "prflx";
  if (lower === "relayed") return "relay";
  return TYPES.find((known) => known === lower) ?? "unknown";
}

/** Address, port and type of a signalled `candidate:` line (RFC 8839 field order). */
function candidateEnd(line: string): SelectedEnd {
  const fields = line.replace(/^a=/, "").split(/\s+/);
  return { address: fields[4] ?? "", port: Number(fields[5]), type: fields[7] ?? "" };
}

/** The type of the candidate line for this address and port, if one was signalled. */
function signalledType(end: SelectedEnd, candidateLines: string[]): CandidateType | undefined {
  const match = candidateLines
    .map(candidateEnd)
    .find((c) => c.address === end.address && c.port === end.port && c.type);
  return match ? candidateType(match.type) : undefined;
}

/** Whether a signalled server-reflexive candidate has this end's IP address (any port). */
function sharesSrflxAddress(end: SelectedEnd, candidateLines: string[]): boolean {
  return candidateLines
    .map(candidateEnd)
    .some((c) => c.address === end.address && c.type === "srflx");
}

/**
 * A pair counts as through NAT only when a server-reflexive candidate is in
 * it, or a peer-reflexive one at the public address of a signalled
 * server-reflexive candidate (a NAT that gave the peer another port than it
 * gave the STUN server). Any other peer-reflexive one is most often a host
 * the peer did not signal in time (or hid behind an mDNS name), as on a LAN.
 */
export function describePath(
  local: SelectedEnd,
  remote: SelectedEnd,
  signalled: { own: string[]; remote: string[] },
  relayOnly: boolean,
  relayHosts: readonly string[] = [],
): PeerPath {
  const typeOf = (end: SelectedEnd, lines: string[]): CandidateType =>
    signalledType(end, lines) ??
    (relayHosts.includes(end.address) ? "relay" : candidateType(end.type));
  const localType = relayOnly ? "relay" : typeOf(local, signalled.own);
  const remoteType = typeOf(remote, signalled.remote);
  if (localType === "relay" || remoteType === "relay") {
    const via = localType === "relay" ? local.address : remote.address;
    return { path: "relay", route: "relay", local: localType, remote: remoteType, via };
  }
  const nat =
    localType === "srflx" ||
    remoteType === "srflx" ||
    (localType === "prflx" && sharesSrflxAddress(local, signalled.own)) ||
    (remoteType === "prflx" && sharesSrflxAddress(remote, signalled.remote));
  return { path: "direct", route: nat ? "nat" : "lan", local: localType, remote: remoteType };
}
