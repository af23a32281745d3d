/**
 * The reply ids one connection owes an answer to, each with the route its
 * answer must take and the step timeout. Bounded in total and per requesting
 * peer, so one member cannot fill another's slots.
 */
import { newId } from "../../../src/protocol/mop-rpc.js";
import type { ReplyRoute } from "../bus/signaling-bus.js";
import type { Clock } from "../clock.js";

/**
 * Slots one requesting peer may hold on a connection. Senders retry an
 * unanswered initiate every few seconds (browser-protocol.md section 7), and
 * each try waits up to 20 s, so a patient sender holds several at once.
 */
export const MAX_PENDING_PER_REQUESTER = 16;

interface Pending {
  route: ReplyRoute;
  timer: unknown;
}

export class PendingRelays {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly clock: Clock,
    private readonly maxPending: number,
    private readonly timeoutMs: number,
    private readonly onTimeout: (route: ReplyRoute) => void,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Registers a route and returns the id the outgoing frame must carry, or undefined when full. */
  add(route: ReplyRoute): string | undefined {
    if (this.pending.size >= this.maxPending) return undefined;
    let fromRequester = 0;
    for (const { route: other } of this.pending.values()) {
      if (other.peerId === route.peerId) fromRequester += 1;
    }
    if (fromRequester >= MAX_PENDING_PER_REQUESTER) return undefined;
    const id = newId();
    const timer = this.clock.setTimeout(() => {
      if (this.pending.delete(id)) this.onTimeout(route);
    }, this.timeoutMs);
    this.pending.set(id, { route, timer });
    return id;
  }

  /** Removes and returns the route for a reply id; undefined for unknown or expired ids. */
  take(id: string): ReplyRoute | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.clock.clearTimeout(entry.timer);
    this.pending.delete(id);
    return entry.route;
  }

  /** Removes every route (the connection is closing) and returns them. */
  drain(): ReplyRoute[] {
    const routes = [...this.pending.values()].map(({ route, timer }) => {
      this.clock.clearTimeout(timer);
      return route;
    });
    this.pending.clear();
    return routes;
  }
}
