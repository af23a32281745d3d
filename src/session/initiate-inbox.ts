/**
 * The initiates kad receive answers: only the chosen sender's. That is the kad
 * sender in the room (listed when we joined, or, with --wait, the first to
 * join before any initiate came), or else whoever sends the first initiate. Any
 * other member's initiate is dropped unanswered, as an original browser drops
 * one from a peer it has not listed: it can neither replace the sender's
 * connection attempt nor be waited on. A sender retries an initiate that got
 * no answer in time, so the newest one replaces any still waiting.
 */
import type { IncomingInitiate } from "../protocol/signaling-client.js";

export class InitiateInbox {
  private sender: string | undefined;
  private waiting: IncomingInitiate | undefined;
  private taker: ((initiate: IncomingInitiate) => void) | undefined;
  private readonly arrivalListeners = new Set<() => void>();

  /** The chosen sender's peer id, once there is one. */
  get senderId(): string | undefined {
    return this.sender;
  }

  /** Chooses `id` as the sender unless one was chosen already. */
  prefer(id: string): void {
    this.sender ??= id;
  }

  /** Takes one initiate from the signaling connection; drops it unless it is the sender's. */
  offer(initiate: IncomingInitiate): void {
    this.sender ??= initiate.from;
    if (initiate.from !== this.sender) return;
    for (const listener of this.arrivalListeners) listener();
    const taker = this.taker;
    this.taker = undefined;
    if (taker) taker(initiate);
    else this.waiting = initiate;
  }

  /**
   * The sender's next initiate. Only the latest call is served: a wait that
   * lost a race and was abandoned cannot swallow an initiate.
   */
  next(): Promise<IncomingInitiate> {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) return Promise.resolve(waiting);
    return new Promise((resolve) => {
      this.taker = resolve;
    });
  }

  /** Calls `listener` each time a newer initiate of the sender arrives; returns a stop function. */
  onArrival(listener: () => void): () => void {
    this.arrivalListeners.add(listener);
    return () => this.arrivalListeners.delete(listener);
  }
}
