/** The single-process SignalingBus: a Map from peer id to its deliver callback. */
import type { Deliver, PeerMessage, SignalingBus } from "./signaling-bus.js";

export class LocalSignalingBus implements SignalingBus {
  private readonly peers = new Map<string, Deliver>();

  async attach(peerId: string, deliver: Deliver): Promise<void> {
    this.peers.set(peerId, deliver);
  }

  async detach(peerId: string): Promise<void> {
    this.peers.delete(peerId);
  }

  async send(peerId: string, message: PeerMessage): Promise<boolean> {
    const deliver = this.peers.get(peerId);
    if (!deliver) return false;
    // Same isolation as a remote bus: the recipient never shares objects with the sender.
    deliver(structuredClone(message));
    return true;
  }

  async close(): Promise<void> {
    this.peers.clear();
  }
}
