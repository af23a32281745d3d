/**
 * Opening lanes (share-messages.ts, "Lanes"): extra peer connections a kad
 * sender stripes a large file's bytes over, because one association is
 * CPU-bound per packet (bench/run.mjs measures the gain). Each lane is set up
 * through the share channels of the connection the code check authenticated,
 * so a server in the middle cannot slip its own lane in. A lane that does not
 * come up is simply not used; one that is lost mid-session fails it, as the
 * main connection's loss would.
 */
import type { LaneMerger, LaneOffer } from "../engine/lane-merger.js";
import type { ReceiverReplies } from "../engine/receiver-replies.js";
import type { StripedChannel } from "../engine/striped-channel.js";
import {
  encodeShareMessage,
  LANE_CHANNEL_LABEL,
  LANE_READY,
  MAX_LANE_CANDIDATES,
  MAX_SHARE_TEXT_BYTES,
} from "../protocol/share-messages.js";
import type { Candidate } from "../protocol/signaling-messages.js";
import { KadError } from "../util/errors.js";
import type { RtcChannel } from "../webrtc/channel.js";
import { type IceConfig, RtcPeer } from "../webrtc/peer.js";
import type { PeerPath } from "../webrtc/selected-path.js";
import type { SessionScope } from "./scope.js";

/** Files this large are worth opening lanes for; smaller ones are done before lanes are up. */
export const LANE_MIN_BYTES = 32 * 1024 * 1024;
/** How long a lane may take to come up before the sender goes on without it. */
export const LANE_SETUP_MS = 10_000;
/**
 * How long a lost lane waits before it fails the session: when the receiver
 * went away, the main connection's loss (with the receiver's own reason) comes
 * within this and says more than "a lane was lost".
 */
export const LANE_LOSS_GRACE_MS = 500;
/**
 * How long a receiver holds the sender's lane candidates before it checks
 * them itself. Until then only the sender checks, once it has set the answer:
 * a check that reaches the sender before its answer is set makes ICE connect
 * inside libdatachannel's setRemoteDescription, before the peer's fingerprint
 * is stored, and DTLS then refuses the peer ("unknown CA"; both lanes of a
 * run failed so, about 1 run in 8). The receiver's ICE then connects with its
 * triggered check back, one pacing interval (50 ms) after the sender's, so
 * the receiver is the DTLS client: the sender's ClientHello would be lost
 * and retransmitted only after 1 s (lanes came up after about 1 s in most
 * runs before). Behind NAT the receiver's own checks are what opens its
 * side; they start after this.
 */
export const LANE_RECEIVER_CHECK_DELAY_MS = 1_000;

/**
 * How many lanes a sender opens: none over a relay (the relay is the limit,
 * and lanes would only load it more), none for small files.
 */
export function lanesWorthOpening(
  wanted: number,
  offered: number,
  path: PeerPath | undefined,
  largestFile: number,
): number {
  if (path?.path === "relay") return 0;
  return largestFile >= LANE_MIN_BYTES ? Math.min(wanted, offered) : 0;
}

export interface SenderLanes {
  /** After the last acknowledgement: closing lanes is no longer a loss. */
  finish(): void;
}

/** Opens `count` lanes in the background; each joins `striped` once its channel is open. */
export function openLanes(
  scope: SessionScope,
  ice: IceConfig,
  count: number,
  main: { channel: RtcChannel; replies: ReceiverReplies },
  striped: StripedChannel,
): SenderLanes {
  let active = true;
  const lost = (lane: number) => (error: unknown) => {
    const failure = new KadError("PEER_LEFT", `lane ${lane} of the connection was lost`, {
      hint: "Send again: a large file continues where it stopped.",
      cause: error,
    });
    const timer = setTimeout(() => active && scope.fail(failure), LANE_LOSS_GRACE_MS);
    timer.unref();
  };
  for (let lane = 1; lane <= count; lane++) {
    openLane(scope, ice, lane, main, striped, lost(lane)).catch(() => {
      // Not used, then: the share channel and the other lanes carry the bytes.
    });
  }
  return {
    finish: () => {
      active = false;
    },
  };
}

async function openLane(
  scope: SessionScope,
  ice: IceConfig,
  lane: number,
  main: { channel: RtcChannel; replies: ReceiverReplies },
  striped: StripedChannel,
  onLost: (error: unknown) => void,
): Promise<void> {
  const peer = await newLanePeer(scope, lane, ice);
  const channel = peer.createShareChannel(LANE_CHANNEL_LABEL);
  const ready = new Promise<void>((resolve) =>
    channel.onMessage((message) => message === LANE_READY && resolve()),
  );
  const offer = await scope.within(peer.createOffer(), LANE_SETUP_MS, "offering a lane");
  const candidates = await scope.within(peer.localCandidates(), LANE_SETUP_MS, "gathering");
  const message = encodeShareMessage({
    kad: "lane",
    lane,
    offer: { type: "offer", sdp: offer.sdp },
    candidates: candidates.slice(0, MAX_LANE_CANDIDATES),
  });
  if (message.length > MAX_SHARE_TEXT_BYTES) {
    peer.close();
    return;
  }
  main.channel.sendText(message);
  const answer = await main.replies.laneAnswer(lane, LANE_SETUP_MS);
  peer.acceptAnswer(answer.answer);
  peer.addRemoteCandidates(answer.candidates);
  await scope.within(
    Promise.race([ready, peer.lost.promise]),
    LANE_SETUP_MS,
    `opening lane ${lane}`,
  );
  peer.lost.promise.catch(onLost);
  channel.closed.then(() => onLost(new KadError("PEER_LEFT", `lane ${lane} closed`)));
  striped.addLane(lane, channel);
}

/**
 * The receiver's answer to a lane offer: a peer connection whose incoming
 * `kad-lane` channel feeds `merger`. A lane that fails is closed in the
 * merger, which fails only if a stripe still needed its bytes.
 */
export function acceptLane(
  scope: SessionScope,
  ice: IceConfig,
  offer: LaneOffer,
  sendBack: (text: string) => void,
  merger: LaneMerger,
): void {
  // After a grace, as on the sender: a sender that cancelled says so on the
  // main connection, and that should be what the receiver reports.
  const closed = () => setTimeout(() => merger.laneClosed(offer.lane), LANE_LOSS_GRACE_MS).unref();
  answerLane(scope, ice, offer, sendBack, merger, closed).catch(closed);
}

async function answerLane(
  scope: SessionScope,
  ice: IceConfig,
  offer: LaneOffer,
  sendBack: (text: string) => void,
  merger: LaneMerger,
  closed: () => void,
): Promise<void> {
  const { lane } = offer;
  const peer = await newLanePeer(scope, lane, RtcPeer.iceForOffer(ice, offer.offer));
  peer.lost.promise.catch(closed);
  const answer = await scope.within(
    peer.acceptOffer(offer.offer, "client"),
    LANE_SETUP_MS,
    "answering",
  );
  const addSenderCandidates = setTimeout(
    () => peer.addRemoteCandidates(offer.candidates as Candidate[]),
    LANE_RECEIVER_CHECK_DELAY_MS,
  );
  scope.defer(() => clearTimeout(addSenderCandidates));
  const candidates = await scope.within(peer.localCandidates(), LANE_SETUP_MS, "gathering");
  sendBack(
    encodeShareMessage({
      kad: "lane",
      lane,
      answer: { type: "answer", sdp: answer.sdp },
      candidates: candidates.slice(0, MAX_LANE_CANDIDATES),
    }),
  );
  const channel = await scope.within(peer.remoteChannel.promise, LANE_SETUP_MS, "opening a lane");
  channel.onMessage((message) => merger.handleLane(lane, message));
  channel.closed.then(closed);
  // Only now may bytes come: see LANE_READY.
  channel.sendText(LANE_READY);
}

/** A lane's peer connection, closed with the session; none once the session is over. */
async function newLanePeer(scope: SessionScope, lane: number, ice: IceConfig): Promise<RtcPeer> {
  if (scope.isClosing || scope.error) throw new KadError("INTERRUPTED", "the session is over");
  const peer = await RtcPeer.create(`kad-lane-${lane}`, ice, LANE_CHANNEL_LABEL);
  // Registered after the scope closed, this closes the peer at once.
  scope.defer(() => peer.close());
  return peer;
}
