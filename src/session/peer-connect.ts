/**
 * The sender's peer connection set-up: one attempt with every candidate, and,
 * when a TURN relay is configured and that attempt has not connected within
 * MIXED_ATTEMPT_MS, a second one with relayed candidates only. Behind two
 * NATs like Linux MASQUERADE the early direct checks leave conntrack entries
 * that keep even the relayed pairs from forming, while a relay-only attempt
 * connects at once (see test/lab). Waiting a few seconds costs little where a
 * direct path exists, since it forms within a second.
 *
 * With a kad receiver the first attempt sets the answer only together with
 * the receiver's candidates (initiate-handshake.ts answerWithCandidates),
 * which connects about 50 ms sooner. Now and then (2 runs in 30 with both
 * cores busy) ICE then connects inside libdatachannel's setRemoteDescription,
 * before it stored the receiver's fingerprint, and DTLS refuses the
 * receiver ("unknown CA"). Such an attempt fails at once; it is made again
 * the usual way, and the kad receiver waits for that second initiate
 * (protocol/sender-retry.ts).
 */
import type { HandshakePeer } from "../protocol/initiate-handshake.js";
import { MIXED_ATTEMPT_MS } from "../protocol/sender-retry.js";
import type { RtcChannel } from "../webrtc/channel.js";
import { hasRelay } from "../webrtc/ice-servers.js";
import { HandshakeRefused, noPathError } from "../webrtc/no-path.js";
import { type IceConfig, RtcPeer } from "../webrtc/peer.js";
import type { EventSink } from "./events.js";
import type { SessionScope } from "./scope.js";

/** Time for both data channels to open once the handshake is done. */
export const CONNECT_TIMEOUT_MS = 20_000;

export interface OpenPeer {
  peer: RtcPeer;
  channel: RtcChannel;
  remote: RtcChannel;
}

/** Said (a status line) when the relay-only attempt starts: the wait so far has a reason. */
export const RELAY_RETRY_STATUS = `no direct connection within ${MIXED_ATTEMPT_MS / 1000} s; trying through the TURN relay`;

interface Attempt {
  ice: IceConfig;
  waitMs: number;
  /** A status line for this attempt's start. */
  status?: string;
  /** Answer set with the receiver's candidates; on a refusal the same attempt is made again without. */
  early?: boolean;
}

export function connectAttempts(ice: IceConfig, early = false): Attempt[] {
  const attempts =
    !hasRelay(ice.iceServers) || ice.policy === "relay"
      ? [{ ice, waitMs: CONNECT_TIMEOUT_MS }]
      : [
          { ice, waitMs: MIXED_ATTEMPT_MS },
          {
            ice: { ...ice, policy: "relay" as const },
            waitMs: CONNECT_TIMEOUT_MS,
            status: RELAY_RETRY_STATUS,
          },
        ];
  const [first, ...rest] = attempts as [Attempt, ...Attempt[]];
  return early ? [{ ...first, early: true }, first, ...rest] : attempts;
}

/** A peer made before the receiver came: its offer and candidates are ready (see preparePeer). */
export interface PreparedPeer {
  peer: RtcPeer;
  channel: RtcChannel;
  ice: IceConfig;
  madeAt: number;
}

/** How long a prepared peer is used: its candidates' NAT mappings may lapse after a while. */
export const PREPARED_PEER_MAX_AGE_MS = 60_000;

/**
 * The first attempt's peer, made while the sender waits for a receiver: ICE
 * gathering (a STUN or TURN round trip on a real network, 5-10 ms even on
 * loopback) is then done before the receiver arrives, not after.
 */
export async function preparePeer(scope: SessionScope, ice: IceConfig): Promise<PreparedPeer> {
  const peer = await RtcPeer.create("kad-send", ice);
  scope.defer(() => peer.close());
  return { peer, channel: peer.createShareChannel(), ice, madeAt: Date.now() };
}

/** Whether a prepared peer may serve a first attempt with `ice` at `now`. */
export function isFresh(
  prepared: Pick<PreparedPeer, "ice" | "madeAt">,
  ice: IceConfig,
  now: number,
): boolean {
  return prepared.ice === ice && now - prepared.madeAt <= PREPARED_PEER_MAX_AGE_MS;
}

/**
 * `early`: the receiver is kad and waits for a second try (see above).
 * `prepared`: used for the first attempt, if it was made for it and is fresh.
 */
export async function openPeer(
  scope: SessionScope,
  ice: IceConfig,
  handshake: (peer: HandshakePeer, early: boolean) => Promise<unknown>,
  emit: EventSink,
  early = false,
  prepared?: PreparedPeer,
): Promise<OpenPeer> {
  let lastFailure: unknown;
  const attempts = connectAttempts(ice, early);
  const ready = prepared && isFresh(prepared, ice, Date.now()) ? prepared : undefined;
  if (prepared && !ready) prepared.peer.close();
  for (let index = 0; index < attempts.length; index++) {
    const attempt = attempts[index] as Attempt;
    if (attempt.status) emit({ event: "status", message: attempt.status });
    const outcome = await tryAttempt(
      scope,
      attempt,
      handshake,
      emit,
      index === 0 ? ready : undefined,
    );
    if ("opened" in outcome) return outcome.opened;
    lastFailure = outcome.failure;
    // An early attempt that timed out found no path: made the usual way, it would not either.
    if (attempt.early && !outcome.refused) index++;
  }
  if (lastFailure instanceof HandshakeRefused) throw lastFailure;
  throw noPathError(hasRelay(ice.iceServers), lastFailure);
}

type Outcome = { opened: OpenPeer } | { failure: unknown; refused: boolean };

async function tryAttempt(
  scope: SessionScope,
  attempt: Attempt,
  handshake: (peer: HandshakePeer, early: boolean) => Promise<unknown>,
  emit: EventSink,
  prepared: PreparedPeer | undefined,
): Promise<Outcome> {
  const { peer, channel } = prepared ?? (await preparePeer(scope, attempt.ice));
  let refused = false;
  peer.lost.promise.catch(() => {
    refused = true;
  });
  await scope.race(handshake(peer, attempt.early === true));
  try {
    const [, remote] = await scope.within(
      Promise.race([Promise.all([channel.opened, peer.remoteChannel.promise]), peer.lost.promise]),
      attempt.waitMs,
      "connecting to the receiver",
      "PEER_UNREACHABLE",
    );
    const path = peer.selectedPath();
    if (path) emit({ event: "path", ...path });
    return { opened: { peer, channel, remote } };
  } catch (error) {
    if (scope.error) throw error;
    peer.close();
    return { failure: error, refused };
  }
}
