/** ICE settings resolved once per session: flag > environment > default. */
import type { GrantedIceServer } from "../protocol/ice-servers-message.js";
import { toNativeIceServers } from "../webrtc/ice-servers.js";
import type { IceConfig } from "../webrtc/peer.js";

/** What the original browser client used; only for servers that are not on loopback. */
export const DEFAULT_ICE_SERVERS = ["stun:stun.l.google.com:19302"];
export const LOOPBACK_ADDRESS = "127.0.0.1";
/**
 * SCTP MTU when every candidate is on loopback: the cost is per packet, and
 * 4000 nearly doubled the bare WebRTC ceiling there (bench/results/tuning.md);
 * 6000 and 8000 connected but stalled, and other paths keep the 1200 default.
 */
export const LOOPBACK_SCTP_MTU = 4000;

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

export interface IceInputs {
  /** --ice URLs (repeatable). */
  iceServers: string[];
  /** --bind */
  bind: string | undefined;
  env: NodeJS.ProcessEnv;
  serverUrl: string;
  /** True for kad send's embedded server: both peers share a network, STUN adds nothing. */
  embedded: boolean;
  /** What the server handed out (`kad.ice`): its TURN credentials and STUN. */
  granted?: GrantedIceServer[];
}

/**
 * On a loopback server both peers are on this machine: gather on 127.0.0.1
 * only, so the transfer never leaves loopback and works where only `lo` is up.
 * The server's own ICE servers come beside --ice; when it grants some, the
 * public STUN default is left out (the server's coturn answers STUN too, and
 * an unreachable default would only slow gathering).
 */
export function resolveIce(inputs: IceInputs): IceConfig {
  const loopback = isLoopbackUrl(inputs.serverUrl);
  const bindAddress =
    inputs.bind || inputs.env.KAD_BIND || (loopback ? LOOPBACK_ADDRESS : undefined);
  const granted = toNativeIceServers(inputs.granted ?? []);
  const defaults = loopback || inputs.embedded || granted.length > 0 ? [] : DEFAULT_ICE_SERVERS;
  const chosen = inputs.iceServers.length > 0 ? inputs.iceServers : defaults;
  const onLoopback = bindAddress !== undefined && isLoopbackHost(bindAddress);
  return {
    iceServers: [...chosen, ...granted],
    bindAddress,
    ...(onLoopback ? { mtu: LOOPBACK_SCTP_MTU } : {}),
  };
}
