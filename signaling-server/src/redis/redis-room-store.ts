/**
 * RoomStore on Redis, shared by every signaling instance. Each operation is
 * one command or one Lua script on the room's slot, so it is atomic across
 * instances: of two concurrent creators of a name exactly one wins (the other
 * gets 409), and a join checks the user name and the member limit in the same
 * step that adds the member. Rooms and their member lists expire together
 * through Redis TTLs.
 */
import { ROOM_TTL_MS } from "../../../src/protocol/limits.js";
import type { AddMemberResult, RoomMember, RoomRecord, RoomStore } from "../store/room-store.js";
import type { RedisClient } from "./redis-connection.js";
import { storeCall } from "./redis-errors.js";
import { instanceMembersKey, membershipEntry, roomKey, roomMembersKey } from "./redis-keys.js";
import { runScript } from "./redis-script.js";
import { ADD_MEMBER, CREATE_ROOM, REFRESH_ROOM, RESTORE_ROOM } from "./room-scripts.js";

const ADD_MEMBER_RESULTS = new Set(["notfound", "username-conflict", "room-full"]);

interface LocalRoom {
  record: RoomRecord;
  /** peerId -> username of the members joined through this instance. */
  members: Map<string, string>;
}

/** Leaves remembered during a Redis outage; beyond this, members expire with their room. */
const MAX_UNFINISHED_REMOVALS = 100_000;

export class RedisRoomStore implements RoomStore {
  private readonly localRooms = new Map<string, LocalRoom>();
  private readonly unfinishedRemovals = new Map<string, { name: string; peerId: string }>();
  /** The TTL rooms were last given, reused when restoring them. */
  private roomTtlMs = ROOM_TTL_MS;
  /**
   * @param instanceId members joined here are also indexed under this
   *   instance, so that survivors can remove them if it dies.
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly instanceId: string,
  ) {}

  async createRoom(room: RoomRecord, ttlMs: number): Promise<boolean> {
    this.roomTtlMs = ttlMs;
    const created = await storeCall(
      runScript(
        this.redis,
        CREATE_ROOM,
        [roomKey(room.name), roomMembersKey(room.name)],
        [ttlMs, room.name, room.passwordHash ?? "", room.webSocketUri, room.createdAt],
      ),
    );
    return created === 1;
  }

  async getRoom(name: string): Promise<RoomRecord | undefined> {
    const fields = await storeCall(this.redis.hgetall(roomKey(name)));
    return parseRoom(fields);
  }

  async refreshRoom(name: string, ttlMs: number): Promise<boolean> {
    this.roomTtlMs = ttlMs;
    const keys = [roomKey(name), roomMembersKey(name)];
    if ((await storeCall(runScript(this.redis, REFRESH_ROOM, keys, [ttlMs]))) === 1) return true;
    // Gone although members are connected here: Redis lost it, so put it back.
    return storeCall(this.restoreRoom(name)).then(() => this.localRooms.has(name));
  }

  async addMember(name: string, member: RoomMember, maxMembers: number): Promise<AddMemberResult> {
    // Indexed first: a member must never exist in Redis without a way to clean it up.
    const entry = membershipEntry(name, member.peerId);
    await storeCall(this.redis.sadd(instanceMembersKey(this.instanceId), entry));
    const result = await storeCall(
      runScript(
        this.redis,
        ADD_MEMBER,
        [roomKey(name), roomMembersKey(name)],
        [member.peerId, member.username, maxMembers],
      ),
    );
    if (Array.isArray(result)) {
      this.remember(name, result, member);
      return { ok: true };
    }
    await storeCall(this.redis.srem(instanceMembersKey(this.instanceId), entry));
    if (typeof result === "string" && ADD_MEMBER_RESULTS.has(result)) {
      return { ok: false, reason: result as "notfound" | "username-conflict" | "room-full" };
    }
    throw new Error(`unexpected reply from the join script: ${String(result)}`);
  }

  async removeMember(name: string, peerId: string): Promise<void> {
    this.forget(name, peerId);
    const entry = membershipEntry(name, peerId);
    try {
      await storeCall(this.redis.hdel(roomMembersKey(name), peerId));
      await storeCall(this.redis.srem(instanceMembersKey(this.instanceId), entry));
      this.unfinishedRemovals.delete(entry);
    } catch (error) {
      // Redis is unreachable: remember the leave so no ghost member stays behind.
      if (this.unfinishedRemovals.size < MAX_UNFINISHED_REMOVALS) {
        this.unfinishedRemovals.set(entry, { name, peerId });
      }
      throw error;
    }
  }

  /** Retries the removals that failed while Redis was unreachable; returns the rooms they left. */
  async retryUnfinishedRemovals(): Promise<string[]> {
    const rooms = new Set<string>();
    for (const { name, peerId } of [...this.unfinishedRemovals.values()]) {
      await this.removeMember(name, peerId);
      rooms.add(name);
    }
    return [...rooms];
  }

  async listMembers(name: string): Promise<RoomMember[]> {
    const entries = await storeCall(this.redis.hgetall(roomMembersKey(name)));
    return parseMembers(entries);
  }

  /** Members joined through this instance. */
  get localMemberCount(): number {
    let count = 0;
    for (const room of this.localRooms.values()) count += room.members.size;
    return count;
  }

  /**
   * Writes every room with a member on this instance back into Redis, with
   * those members, where Redis no longer has them. Returns the rooms that
   * got members back (their other members need a fresh member list).
   */
  async restoreLocalMembers(): Promise<string[]> {
    const restored: string[] = [];
    for (const name of [...this.localRooms.keys()]) {
      if (await this.restoreRoom(name)) restored.push(name);
    }
    return restored;
  }

  /** Writes one local room and its local members back where missing; true if members were added. */
  private async restoreRoom(name: string): Promise<boolean> {
    const room = this.localRooms.get(name);
    if (!room || room.members.size === 0) return false;
    const { record, members } = room;
    const entries = [...members.keys()].map((peerId) => membershipEntry(name, peerId));
    await this.redis.sadd(instanceMembersKey(this.instanceId), ...entries);
    const added = await runScript(
      this.redis,
      RESTORE_ROOM,
      [roomKey(name), roomMembersKey(name)],
      [
        this.roomTtlMs,
        name,
        record.passwordHash ?? "",
        record.webSocketUri,
        record.createdAt,
        ...[...members].flat(),
      ],
    );
    return typeof added === "number" && added > 0;
  }

  /** The connection belongs to the caller, who closes it. */
  async close(): Promise<void> {
    this.localRooms.clear();
  }

  private remember(name: string, fields: unknown[], member: RoomMember): void {
    const [roomName, passwordHash, webSocketUri, createdAt] = fields.map((field) =>
      typeof field === "string" ? field : undefined,
    );
    const record = parseRoom({ name: roomName, passwordHash, webSocketUri, createdAt });
    if (!record) return;
    const room = this.localRooms.get(name) ?? { record, members: new Map<string, string>() };
    room.members.set(member.peerId, member.username);
    this.localRooms.set(name, room);
  }

  private forget(name: string, peerId: string): void {
    const room = this.localRooms.get(name);
    if (!room) return;
    room.members.delete(peerId);
    if (room.members.size === 0) this.localRooms.delete(name);
  }
}

function parseRoom(fields: Record<string, string | undefined>): RoomRecord | undefined {
  const { name, passwordHash, webSocketUri, createdAt } = fields;
  if (name === undefined || webSocketUri === undefined || createdAt === undefined) return undefined;
  return {
    name,
    passwordHash: passwordHash ? passwordHash : null,
    webSocketUri,
    createdAt: Number(createdAt),
  };
}

/** Join order is the sequence number each member got from its room. */
export function parseMembers(entries: Record<string, string>): RoomMember[] {
  const members: { seq: number; member: RoomMember }[] = [];
  for (const [peerId, entry] of Object.entries(entries)) {
    const colon = entry.indexOf(":");
    const seq = Number(entry.slice(0, colon));
    if (colon <= 0 || !Number.isSafeInteger(seq)) continue;
    members.push({
      seq,
      member: { peerId, username: entry.slice(colon + 1) },
    });
  }
  members.sort((a, b) => a.seq - b.seq);
  return members.map(({ member }) => member);
}
