/**
 * Which STUN servers the page uses, by where it was served from — the same
 * rule as the CLI (src/session/ice.ts): on this machine or a local network
 * both sides see each other's host candidates and STUN adds nothing (nor
 * would it be reachable offline); on a public server the page uses the STUN
 * server the original client used, so peers behind NATs can still meet.
 */
import { DEFAULT_ICE_SERVERS, isLoopbackHost } from "../session/ice.js";

const PRIVATE_IPV4 = [
  /^10\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^192\.168\./,
  /^169\.254\./,
  // The benchmarking range, used by kad's tests.
  /^198\.1[89]\./,
];

export function isLocalNetworkHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (isLoopbackHost(host)) return true;
  if (PRIVATE_IPV4.some((range) => range.test(host))) return true;
  // IPv6 unique-local (fc00::/7) and link-local (fe80::/10).
  if (/^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host)) return true;
  // mDNS names and single-label names only resolve on a local network.
  return host.endsWith(".local") || !host.includes(".");
}

/**
 * The server's grant (TURN credentials and its own STUN) comes beside the
 * policy; with a grant the public STUN default is left out, as in the CLI.
 */
export function iceServersFor(hostname: string, granted: RTCIceServer[] = []): RTCIceServer[] {
  if (granted.length > 0 || isLocalNetworkHost(hostname)) return granted;
  return [{ urls: DEFAULT_ICE_SERVERS }];
}
