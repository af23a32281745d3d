/**
 * Decides when a peer connection's state means the peer is gone. "failed" and
 * "closed" are final; "disconnected" is not: ICE recovers from a short drop
 * (Wi-Fi roaming, a busy link), so it fails only if it lasts.
 */
import { KadError } from "../util/errors.js";

/** How long ICE may stay "disconnected" before the transfer fails. */
export const DISCONNECTED_GRACE_MS = 5_000;

export class ConnectionWatch {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly fail: (error: KadError) => void,
    private readonly graceMs = DISCONNECTED_GRACE_MS,
  ) {}

  /** Feeds each state the connection reports. */
  onState(state: string): void {
    if (state === "disconnected") {
      this.timer ??= setTimeout(() => this.lost(state), this.graceMs);
      this.timer.unref?.();
      return;
    }
    this.stop();
    if (state === "failed" || state === "closed") this.lost(state);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private lost(state: string): void {
    this.stop();
    this.fail(
      new KadError("PEER_LEFT", `the connection to the peer was lost (${state})`, {
        hint: "The other side stopped or lost its network; start the transfer again.",
      }),
    );
  }
}
