/**
 * Cleans up after an instance that died without deregistering: its members
 * leave their rooms, their peer locations go, and everyone left in those
 * rooms gets a fresh `users` list, exactly as if each member had disconnected.
 */
import type { SignalingBus } from "../bus/signaling-bus.js";
import type { Logger } from "../observability/logger.js";
import type { RoomStore } from "../store/room-store.js";
import { memberListFor } from "../ws/members.js";
import type { RedisClient } from "./redis-connection.js";
import { instanceMembersKey, parseMembershipEntry, peerKey, roomMembersKey } from "./redis-keys.js";

export class DeadInstanceReaper {
  constructor(
    private readonly redis: RedisClient,
    private readonly store: RoomStore,
    private readonly bus: SignalingBus,
    private readonly logger: Logger,
  ) {}

  /** Removes every member the dead instance held and tells the rooms they were in. */
  async reap(deadInstanceId: string): Promise<void> {
    const indexKey = instanceMembersKey(deadInstanceId);
    const entries = await this.redis.smembers(indexKey);
    const rooms = new Set<string>();
    for (const entry of entries) {
      const membership = parseMembershipEntry(entry);
      if (!membership) continue;
      await this.redis.hdel(roomMembersKey(membership.roomName), membership.peerId);
      await this.redis.del(peerKey(membership.peerId));
      rooms.add(membership.roomName);
    }
    await this.redis.del(indexKey);
    for (const roomName of rooms) await announceMembers(this.store, this.bus, roomName);
    this.logger.warn(
      { instance: deadInstanceId, members: entries.length, rooms: rooms.size },
      "removed the members of an instance that stopped heart-beating",
    );
  }
}

/** Sends every member of the room the list of the other members (a `users` push). */
export async function announceMembers(
  store: RoomStore,
  bus: SignalingBus,
  roomName: string,
): Promise<void> {
  const members = await store.listMembers(roomName);
  await Promise.all(
    members.map((recipient) =>
      bus.send(recipient.peerId, {
        frame: { type: "users", payload: memberListFor(members, recipient.peerId) },
      }),
    ),
  );
}
