/**
 * A node-datachannel PeerConnection for one file, speaking in the shapes the
 * initiate handshake uses (offer/answer objects, non-trickle candidate arrays).
 * It knows nothing of signaling. Remote candidates wait until the remote
 * description is set, because adding them earlier throws inside native code.
 */
import type { PeerConnection } from "node-datachannel";
import type { HandshakePeer } from "../protocol/initiate-handshake.js";
import { MAX_CANDIDATES } from "../protocol/limits.js";
import { SHARE_CHANNEL_LABEL } from "../protocol/share-messages.js";
import type { Candidate, SessionDescription } from "../protocol/signaling-messages.js";
import { KadError } from "../util/errors.js";
import { RtcChannel } from "./channel.js";
import { ConnectionWatch } from "./connection-watch.js";
import { hasRelay, type IceServerSpec, relayHosts } from "./ice-servers.js";
import { guarded, loadNative } from "./native.js";
import { HandshakeRefused, noPathError } from "./no-path.js";
import { asksRelayOnly, markRelayOnly } from "./relay-only-offer.js";
import { describePath, type PeerPath } from "./selected-path.js";

export interface IceConfig {
  /** STUN/TURN URLs (e.g. `stun:stun.l.google.com:19302`) or TURN servers with credentials. */
  iceServers: IceServerSpec[];
  /** Gather candidates on this local address only. */
  bindAddress: string | undefined;
  /** SCTP MTU; unset keeps libdatachannel's default (1200, safe on any path). */
  mtu?: number;
  /** "relay": only relayed candidates, for networks where direct checks spoil the NAT mappings. */
  policy?: "all" | "relay";
}

/** Longest wait for ICE gathering; host candidates come at once, STUN answers within a second or two. */
export const MAX_GATHERING_MS = 3_000;

type Deferred<T> = { promise: Promise<T>; resolve(value: T): void; reject(error: Error): void };

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export class RtcPeer implements HandshakePeer {
  /** Resolves with the peer's own `share` channel (or `remoteLabel`'s) when it arrives. */
  readonly remoteChannel = deferred<RtcChannel>();
  /** Rejects when the connection fails or the peer closes it; never resolves. */
  readonly lost = deferred<never>();
  private readonly channels: RtcChannel[] = [];
  private readonly localDescription = deferred<SessionDescription>();
  private readonly gathered = deferred<Candidate[]>();
  private readonly localCandidateList: Candidate[] = [];
  private readonly pendingRemote: Candidate[] = [];
  private readonly remoteCandidateLines: string[] = [];
  private remoteDescriptionSet = false;
  private closed = false;
  private everConnected = false;
  /** ICE found a path; with everConnected still false, DTLS then failed. */
  private iceConnected = false;
  private stopWatch: () => void = () => {};

  private constructor(
    private readonly pc: PeerConnection,
    private readonly ice: IceConfig,
    private readonly remoteLabel: string,
  ) {}

  /** `remoteLabel`: the label of the peer's channel that `remoteChannel` waits for. */
  static async create(
    name: string,
    ice: IceConfig,
    remoteLabel = SHARE_CHANNEL_LABEL,
  ): Promise<RtcPeer> {
    const native = await loadNative();
    const config = {
      iceServers: ice.iceServers,
      ...(ice.bindAddress ? { bindAddress: ice.bindAddress } : {}),
      ...(ice.mtu ? { mtu: ice.mtu } : {}),
      ...(ice.policy === "relay" ? { iceTransportPolicy: "relay" as const } : {}),
    };
    const peer = new RtcPeer(new native.PeerConnection(name, config), ice, remoteLabel);
    peer.wire();
    return peer;
  }

  /** Creates this side's `share` channel (or another `label`): ordered and reliable. */
  createShareChannel(label = SHARE_CHANNEL_LABEL): RtcChannel {
    const channel = new RtcChannel(this.pc.createDataChannel(label), this.failer());
    this.channels.push(channel);
    return channel;
  }

  async createOffer(): Promise<SessionDescription> {
    return this.localDescription.promise;
  }

  /**
   * `dtlsRole`: which DTLS role this side takes. The side whose ICE connects
   * last must be the client: a ClientHello sent before the peer's ICE is up
   * is lost and waits out a 1 s retransmission. In the initiate exchange the
   * responder connects first (it has the offerer's candidates earlier), so it
   * is the server; a lane's receiver connects last (lanes.ts), so it is the
   * client. Reading the offer's "actpass" as the opposite role only changes
   * which role this side picks.
   */
  async acceptOffer(
    offer: SessionDescription,
    dtlsRole: "server" | "client" = "server",
  ): Promise<SessionDescription> {
    const offerersRole = dtlsRole === "server" ? "a=setup:active" : "a=setup:passive";
    this.setRemote({ ...offer, sdp: offer.sdp.replace(/a=setup:actpass/g, offerersRole) });
    return this.localDescription.promise;
  }

  acceptAnswer(answer: SessionDescription): void {
    this.setRemote(answer);
  }

  /**
   * All local candidates (non-trickle), or those gathered within
   * MAX_GATHERING_MS: a STUN server that never answers would otherwise hold
   * the handshake until its step times out.
   */
  localCandidates(): Promise<Candidate[]> {
    const cap = setTimeout(
      () => this.gathered.resolve([...this.localCandidateList]),
      MAX_GATHERING_MS,
    );
    cap.unref?.();
    const stop = () => clearTimeout(cap);
    this.gathered.promise.then(stop, stop);
    return this.gathered.promise;
  }

  addRemoteCandidates(candidates: Candidate[]): void {
    for (const candidate of candidates.slice(0, MAX_CANDIDATES)) {
      this.remoteCandidateLines.push(candidate.candidate);
      if (this.remoteDescriptionSet) this.addRemote(candidate);
      else this.pendingRemote.push(candidate);
    }
  }

  /** The SDP of this side's and of the peer's description as set, for their DTLS fingerprints. */
  descriptions(): { local: string; remote: string } {
    return {
      local: this.pc.localDescription()?.sdp ?? "",
      remote: this.pc.remoteDescription()?.sdp ?? "",
    };
  }

  /** The ICE settings for answering `offer`: relay-only when a kad sender's offer asks and a relay is there. */
  static iceForOffer(ice: IceConfig, offer: unknown): IceConfig {
    return asksRelayOnly(offer) && hasRelay(ice.iceServers) ? { ...ice, policy: "relay" } : ice;
  }

  /** The selected path once connected; undefined before, or when the native side cannot say. */
  selectedPath(): PeerPath | undefined {
    let pair: ReturnType<PeerConnection["getSelectedCandidatePair"]>;
    try {
      pair = this.pc.getSelectedCandidatePair();
    } catch {
      return undefined;
    }
    if (!pair) return undefined;
    const signalled = {
      own: this.localCandidateList.map((c) => c.candidate),
      remote: this.remoteCandidateLines,
    };
    const relayOnly = this.ice.policy === "relay";
    return describePath(
      pair.local,
      pair.remote,
      signalled,
      relayOnly,
      relayHosts(this.ice.iceServers),
    );
  }

  /**
   * A loss before the connection ever came up means no candidate pair worked:
   * say so, and why that is likely, instead of "connection lost".
   */
  explainLoss(error: unknown): unknown {
    if (this.everConnected) return error;
    if (this.iceConnected) return new HandshakeRefused(error);
    return noPathError(hasRelay(this.ice.iceServers), error);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopWatch();
    for (const channel of this.channels) channel.close();
    try {
      this.pc.close();
    } catch {
      // Already closed natively.
    }
  }

  private wire(): void {
    const fail = this.failer();
    this.pc.onLocalDescription(
      guarded((sdp: string, type: string) => {
        if (type === "answer") this.localDescription.resolve({ type, sdp });
        if (type === "offer") {
          const marked = this.ice.policy === "relay" ? markRelayOnly(sdp) : sdp;
          this.localDescription.resolve({ type, sdp: marked });
        }
      }, fail),
    );
    this.pc.onLocalCandidate(
      guarded((candidate: string, mid: string) => {
        this.localCandidateList.push({
          candidate: candidate.replace(/^a=/, ""),
          sdpMid: mid,
          sdpMLineIndex: 0,
        });
      }, fail),
    );
    this.pc.onGatheringStateChange(
      guarded((state: string) => {
        if (state === "complete") this.gathered.resolve([...this.localCandidateList]);
      }, fail),
    );
    this.pc.onIceStateChange(
      guarded((state: string) => {
        if (state === "connected" || state === "completed") this.iceConnected = true;
      }, fail),
    );
    const watch = new ConnectionWatch(fail);
    this.stopWatch = () => watch.stop();
    this.pc.onStateChange(
      guarded((state: string) => {
        if (state === "connected") this.everConnected = true;
        watch.onState(state);
      }, fail),
    );
    this.pc.onDataChannel(
      guarded((native) => {
        const channel = new RtcChannel(native, fail);
        this.channels.push(channel);
        if (channel.label === this.remoteLabel) this.remoteChannel.resolve(channel);
        else channel.close();
      }, fail),
    );
  }

  private setRemote(description: SessionDescription): void {
    try {
      this.pc.setRemoteDescription(description.sdp, description.type);
    } catch (error) {
      throw new KadError("PROTOCOL", `the peer sent an unusable ${description.type}`, {
        cause: error,
      });
    }
    this.remoteDescriptionSet = true;
    for (const candidate of this.pendingRemote.splice(0)) this.addRemote(candidate);
  }

  private addRemote(candidate: Candidate): void {
    if (!candidate.candidate) return;
    try {
      this.pc.addRemoteCandidate(candidate.candidate, candidate.sdpMid ?? "0");
    } catch {
      // One unusable candidate (e.g. an mDNS name) must not end the transfer.
    }
  }

  private failer(): (error: unknown) => void {
    return (error) => {
      // Closing natively reports "closed" states and channel errors: not failures.
      if (this.closed) return;
      const failure = this.explainLoss(
        error instanceof KadError
          ? error
          : new KadError("PEER_UNREACHABLE", "the WebRTC connection failed", { cause: error }),
      ) as KadError;
      this.lost.reject(failure);
      this.gathered.reject(failure);
      this.localDescription.reject(failure);
      this.remoteChannel.reject(failure);
    };
  }
}
