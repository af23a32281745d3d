/** ICE settings resolved once per session: flag > environment > default. */
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
}

/**
 * On a loopback server both peers are on this machine: gather on 127.0.0.1
 * only, so the transfer never leaves loopback and works where only `lo` is up.
 */
export function resolveIce(inputs: IceInputs): IceConfig {
  const loopback = isLoopbackUrl(inputs.serverUrl);
  const bindAddress =
    inputs.bind || inputs.env.KAD_BIND || (loopback ? LOOPBACK_ADDRESS : undefined);
  const defaults = loopback || inputs.embedded ? [] : DEFAULT_ICE_SERVERS;
  const onLoopback = bindAddress !== undefined && isLoopbackHost(bindAddress);
  return {
    iceServers: inputs.iceServers.length > 0 ? inputs.iceServers : defaults,
    bindAddress,
    ...(onLoopback ? { mtu: LOOPBACK_SCTP_MTU } : {}),
  };
}
