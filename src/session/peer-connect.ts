/**
 * The sender's peer connection set-up: one attempt with every candidate, and,
 * when a TURN relay is configured and that attempt has not connected within
 * MIXED_ATTEMPT_MS, a second one with relayed candidates only. Behind two
 * NATs like Linux MASQUERADE the early direct checks leave conntrack entries
 * that keep even the relayed pairs from forming, while a relay-only attempt
 * connects at once (see test/lab). Waiting a few seconds costs little where a
 * direct path exists, since it forms within a second.
 */
import type { HandshakePeer } from "../protocol/initiate-handshake.js";
import type { RtcChannel } from "../webrtc/channel.js";
import { hasRelay } from "../webrtc/ice-servers.js";
import { noPathError } from "../webrtc/no-path.js";
import { type IceConfig, RtcPeer } from "../webrtc/peer.js";
import type { EventSink } from "./events.js";
import type { SessionScope } from "./scope.js";

/** How long the attempt with every candidate may take before the relay-only one starts. */
export const MIXED_ATTEMPT_MS = 5_000;
/** Time for both data channels to open once the handshake is done. */
export const CONNECT_TIMEOUT_MS = 20_000;

export interface OpenPeer {
  peer: RtcPeer;
  channel: RtcChannel;
  remote: RtcChannel;
}

interface Attempt {
  ice: IceConfig;
  waitMs: number;
}

export function connectAttempts(ice: IceConfig): Attempt[] {
  if (!hasRelay(ice.iceServers) || ice.policy === "relay") {
    return [{ ice, waitMs: CONNECT_TIMEOUT_MS }];
  }
  return [
    { ice, waitMs: MIXED_ATTEMPT_MS },
    { ice: { ...ice, policy: "relay" }, waitMs: CONNECT_TIMEOUT_MS },
  ];
}

export async function openPeer(
  scope: SessionScope,
  ice: IceConfig,
  handshake: (peer: HandshakePeer) => Promise<unknown>,
  emit: EventSink,
): Promise<OpenPeer> {
  let lastFailure: unknown;
  for (const attempt of connectAttempts(ice)) {
    const peer = await RtcPeer.create("kad-send", attempt.ice);
    scope.defer(() => peer.close());
    const channel = peer.createShareChannel();
    await scope.race(handshake(peer));
    try {
      const [, remote] = await scope.within(
        Promise.race([
          Promise.all([channel.opened, peer.remoteChannel.promise]),
          peer.lost.promise,
        ]),
        attempt.waitMs,
        "connecting to the receiver",
        "PEER_UNREACHABLE",
      );
      const path = peer.selectedPath();
      if (path) emit({ event: "path", ...path });
      return { peer, channel, remote };
    } catch (error) {
      if (scope.error) throw error;
      lastFailure = error;
      peer.close();
    }
  }
  throw noPathError(hasRelay(ice.iceServers), lastFailure);
}
