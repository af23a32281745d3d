/**
 * How a message reaches a peer that may be connected to another server
 * instance. The server never writes to another member's socket directly: it
 * hands a PeerMessage to the bus, and the instance holding that peer's socket
 * (possibly itself) receives it through the `deliver` callback it attached.
 *
 * The initiate chain (browser-protocol.md section 3) is a series of relays of
 * the same shape. When a message carries a `replyRoute`, the delivering
 * instance gives the outgoing frame a fresh mop-rpc id and remembers
 * id -> replyRoute (with the 20 s step timeout). When its peer replies to that
 * id, the instance relays the reply to `replyRoute.peerId` as a frame
 * `{replyId: replyRoute.replyId, payload}`, with a new route back if the reply
 * itself carries an id. So the reply-id bookkeeping for a step always sits on
 * the instance whose socket must answer it, and the bus only needs
 * "deliver this JSON-serialisable message to peer X".
 *
 *   A --initiate a1--> [X] --bus{initiate, route A/a1}--> [Y] --initiate s1--> B
 *   A <--reply a1, s2-- [X] <--bus{reply a1, route B/b1}-- [Y] <--reply s1, b1-- B
 *   ... and so on for the candidate steps.
 *
 * Implementations: LocalSignalingBus (one process); a Redis pub/sub bus for
 * several instances. Messages must be plain JSON (no functions, no sockets).
 */

/** What each relay step expects back; the server validates replies against it. */
export type ChainStage = "answer" | "offerer-candidates" | "answerer-candidates";

export interface ReplyRoute {
  /** Peer waiting for the reply. */
  peerId: string;
  /** The mop-rpc id that peer is waiting on. */
  replyId: string;
  /** What the reply must contain. */
  stage: ChainStage;
}

export type OutgoingFrame =
  | { type: string; payload: unknown }
  | { replyId: string; payload: unknown };

export interface PeerMessage {
  frame: OutgoingFrame;
  /** Set when the recipient's reply must be relayed on (see above). */
  replyRoute?: ReplyRoute;
}

export type Deliver = (message: PeerMessage) => void;

export interface SignalingBus {
  /** Makes `peerId` reachable; messages for it call `deliver` on this instance. */
  attach(peerId: string, deliver: Deliver): Promise<void>;
  /** Makes `peerId` unreachable; later sends to it resolve false. */
  detach(peerId: string): Promise<void>;
  /**
   * Delivers to the peer wherever it is connected. Resolves false when no
   * instance holds it (the caller then answers `{"err":"notfound"}`).
   * Never rejects for an unknown peer; rejects only when the bus itself fails.
   */
  send(peerId: string, message: PeerMessage): Promise<boolean>;
  close(): Promise<void>;
}
