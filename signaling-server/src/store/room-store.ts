/**
 * Where rooms and their member lists live. The store knows nothing of sockets:
 * a member is a peer id and a user name, so several server instances can share
 * one store (Redis) while each keeps its own sockets.
 *
 * Every operation is async and atomic on its own: `createRoom` must fail for
 * all but one of two concurrent creators of the same name (409 across
 * instances), and `addMember` must check the user name and the member limit in
 * the same step that adds the member. Rooms expire `ttlMs` after creation or
 * the last `refreshRoom`; an expired room and its members are gone for every
 * reader. A store that cannot answer rejects; the server maps that to 500 /
 * INTERNAL_ERROR, or to 503 (retry later) when the rejection is a
 * StoreUnavailableError: the store's backend is down, not broken.
 */

export interface RoomRecord {
  name: string;
  /** scrypt hash as produced by store/password.ts, or null for an open room. */
  passwordHash: string | null;
  /** The signaling WebSocket URI handed out for this room. */
  webSocketUri: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

export interface RoomMember {
  /** Opaque id the server assigned to the connection. */
  peerId: string;
  username: string;
}

export type AddMemberResult =
  | { ok: true }
  | { ok: false; reason: "notfound" | "username-conflict" | "room-full" };

export interface RoomStore {
  /** Creates the room unless one of that name exists; false when it does. */
  createRoom(room: RoomRecord, ttlMs: number): Promise<boolean>;
  getRoom(name: string): Promise<RoomRecord | undefined>;
  /** Pushes the room's expiry to now + ttlMs; false when the room is gone. */
  refreshRoom(name: string, ttlMs: number): Promise<boolean>;
  /** Adds a member unless the room is gone, the name is taken or the room holds `maxMembers`. */
  addMember(name: string, member: RoomMember, maxMembers: number): Promise<AddMemberResult>;
  /** Removes a member; a no-op when the room or member is gone. */
  removeMember(name: string, peerId: string): Promise<void>;
  /** Members in join order; empty when the room is gone. */
  listMembers(name: string): Promise<RoomMember[]>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** The store's backend (e.g. Redis) is unreachable right now; the request may succeed later. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super("room store temporarily unavailable", { cause });
    this.name = "StoreUnavailableError";
  }
}
