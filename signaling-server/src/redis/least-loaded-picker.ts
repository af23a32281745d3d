/** POST /rooms hands out the live instance with the fewest connections. */
import type { InstancePicker } from "../instance-picker.js";
import type { InstanceRecord, InstanceRegistry } from "./instance-registry.js";
import { storeCall } from "./redis-room-store.js";

export class LeastLoadedPicker implements InstancePicker {
  /** URLs of the live instances as of the last heartbeat; empty until then. */
  private liveUrls = new Set<string>();

  constructor(
    private readonly registry: InstanceRegistry,
    /** This instance's own URI once it listens; used while the pool is empty. */
    private readonly ownUri: () => string | undefined,
  ) {}

  async pickWebSocketUri(): Promise<string> {
    const instance = await storeCall(this.registry.pickLeastLoaded());
    if (instance) return instance.url;
    // The pool is empty only right after Redis lost its data, before the next heartbeat.
    const own = this.ownUri();
    if (own) return own;
    throw new Error("no signaling instance is registered yet");
  }

  /** A room whose instance died is handed out with a live one. */
  async uriForExistingRoom(stored: string): Promise<string> {
    if (this.liveUrls.size === 0 || this.liveUrls.has(stored)) return stored;
    return this.pickWebSocketUri();
  }

  /** Called on every heartbeat with the current pool. */
  updateLive(records: InstanceRecord[]): void {
    this.liveUrls = new Set(records.map((record) => record.url));
  }
}
