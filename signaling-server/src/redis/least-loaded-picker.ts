/** POST /rooms hands out the live instance with the fewest connections. */
import type { InstancePicker } from "../instance-picker.js";
import type { InstanceRegistry } from "./instance-registry.js";
import { storeCall } from "./redis-errors.js";

export class LeastLoadedPicker implements InstancePicker {
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

  /**
   * A room whose instance died is handed out with a live one. Asks Redis each
   * time: lookups are rare next to relays, and must not trail a death.
   */
  async uriForExistingRoom(stored: string): Promise<string> {
    const live = await storeCall(this.registry.list());
    if (live.length === 0 || live.some((record) => record.url === stored)) return stored;
    return this.pickWebSocketUri();
  }
}
