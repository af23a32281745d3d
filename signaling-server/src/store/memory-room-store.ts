/** The embedded RoomStore: one process, rooms in a Map, expiry by the clock. */
import { type Clock, every, systemClock } from "../clock.js";
import type { AddMemberResult, RoomMember, RoomRecord, RoomStore } from "./room-store.js";

/** How often expired rooms are swept; reads check expiry themselves. */
const SWEEP_INTERVAL_MS = 60_000;

/** Thrown by createRoom when the embedded store holds its maximum number of rooms. */
export class RoomLimitError extends Error {
  constructor(maxRooms: number) {
    super(`the server holds its maximum of ${maxRooms} rooms; try again later`);
    this.name = "RoomLimitError";
  }
}

export interface MemoryRoomStoreOptions {
  clock?: Clock;
  /** Live rooms at most; createRoom throws RoomLimitError beyond. */
  maxRooms?: number;
}

interface StoredRoom {
  record: RoomRecord;
  expiresAt: number;
  members: RoomMember[];
}

export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, StoredRoom>();
  private readonly stopSweeping: () => void;
  private readonly clock: Clock;
  private readonly maxRooms: number;

  constructor(options: MemoryRoomStoreOptions = {}) {
    const clock = options.clock ?? systemClock;
    this.clock = clock;
    this.maxRooms = options.maxRooms ?? Number.POSITIVE_INFINITY;
    this.stopSweeping = every(clock, SWEEP_INTERVAL_MS, () => this.sweep());
  }

  /** Live rooms, for metrics. */
  get size(): number {
    this.sweep();
    return this.rooms.size;
  }

  async createRoom(room: RoomRecord, ttlMs: number): Promise<boolean> {
    if (this.live(room.name)) return false;
    if (this.rooms.size >= this.maxRooms) {
      this.sweep();
      if (this.rooms.size >= this.maxRooms) throw new RoomLimitError(this.maxRooms);
    }
    this.rooms.set(room.name, {
      record: { ...room },
      expiresAt: this.clock.now() + ttlMs,
      members: [],
    });
    return true;
  }

  async getRoom(name: string): Promise<RoomRecord | undefined> {
    const room = this.live(name);
    return room ? { ...room.record } : undefined;
  }

  async refreshRoom(name: string, ttlMs: number): Promise<boolean> {
    const room = this.live(name);
    if (!room) return false;
    room.expiresAt = this.clock.now() + ttlMs;
    return true;
  }

  async addMember(name: string, member: RoomMember, maxMembers: number): Promise<AddMemberResult> {
    const room = this.live(name);
    if (!room) return { ok: false, reason: "notfound" };
    if (room.members.some((m) => m.username === member.username)) {
      return { ok: false, reason: "username-conflict" };
    }
    if (room.members.length >= maxMembers) return { ok: false, reason: "room-full" };
    room.members.push({ ...member });
    return { ok: true };
  }

  async removeMember(name: string, peerId: string): Promise<void> {
    const room = this.live(name);
    if (room) room.members = room.members.filter((m) => m.peerId !== peerId);
  }

  async listMembers(name: string): Promise<RoomMember[]> {
    return this.live(name)?.members.map((m) => ({ ...m })) ?? [];
  }

  async close(): Promise<void> {
    this.stopSweeping();
    this.rooms.clear();
  }

  private live(name: string): StoredRoom | undefined {
    const room = this.rooms.get(name);
    if (room && room.expiresAt <= this.clock.now()) {
      this.rooms.delete(name);
      return undefined;
    }
    return room;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [name, room] of this.rooms) {
      if (room.expiresAt <= now) this.rooms.delete(name);
    }
  }
}
