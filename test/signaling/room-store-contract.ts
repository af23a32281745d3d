/**
 * The behaviour every RoomStore must have. Each implementation's test file
 * calls describeRoomStore with a factory:
 *
 *   describeRoomStore("memory", async () => {
 *     const clock = new FakeClock();
 *     return { store: new MemoryRoomStore({ clock }), advance: (ms) => clock.advance(ms) };
 *   });
 *
 * `advance` moves the store's notion of time forward (a fake clock, or a real
 * sleep for stores whose TTLs live elsewhere); tests use short TTLs so a real
 * sleep stays brief. Every test uses fresh, random room names.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { RoomRecord, RoomStore } from "../../signaling-server/src/store/room-store.js";

export interface StoreUnderTest {
  store: RoomStore;
  /** Lets `ms` milliseconds pass for the store's expiry. */
  advance(ms: number): Promise<void> | void;
  /** Extra cleanup after each test (flush a database, stop a clock). */
  cleanup?(): Promise<void>;
}

const TTL_MS = 400;

function room(overrides: Partial<RoomRecord> = {}): RoomRecord {
  return {
    name: `room-${randomUUID().slice(0, 12)}`,
    passwordHash: null,
    webSocketUri: "ws://127.0.0.1:9891",
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function describeRoomStore(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`RoomStore contract: ${name}`, () => {
    let current: StoreUnderTest | undefined;
    const open = async () => {
      current = await makeStore();
      return current;
    };
    afterEach(async () => {
      await current?.cleanup?.();
      await current?.store.close();
      current = undefined;
    });

    it("creates a room once and returns it as stored", async () => {
      const { store } = await open();
      const record = room({ passwordHash: "scrypt$16384$8$1$c2FsdA==$aGFzaA==" });
      expect(await store.createRoom(record, TTL_MS)).toBe(true);
      expect(await store.getRoom(record.name)).toEqual(record);
      expect(await store.createRoom({ ...record, webSocketUri: "ws://other" }, TTL_MS)).toBe(false);
      expect((await store.getRoom(record.name))?.webSocketUri).toBe(record.webSocketUri);
    });

    it("lets exactly one of many concurrent creators win", async () => {
      const { store } = await open();
      const record = room();
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.createRoom(record, TTL_MS)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("returns undefined and empty lists for an unknown room", async () => {
      const { store } = await open();
      expect(await store.getRoom("no-such-room-here")).toBeUndefined();
      expect(await store.listMembers("no-such-room-here")).toEqual([]);
      expect(await store.refreshRoom("no-such-room-here", TTL_MS)).toBe(false);
      await store.removeMember("no-such-room-here", "peer");
      const added = await store.addMember("no-such-room-here", { peerId: "p", username: "u" }, 5);
      expect(added).toEqual({ ok: false, reason: "notfound" });
    });

    it("expires a room and its members after the TTL", async () => {
      const { store, advance } = await open();
      const record = room();
      await store.createRoom(record, TTL_MS);
      await store.addMember(record.name, { peerId: "p1", username: "alice" }, 5);
      await advance(TTL_MS + 300);
      expect(await store.getRoom(record.name)).toBeUndefined();
      expect(await store.listMembers(record.name)).toEqual([]);
      expect(await store.createRoom(record, TTL_MS)).toBe(true);
      expect(await store.listMembers(record.name)).toEqual([]);
    });

    it("keeps a refreshed room past its first expiry", async () => {
      const { store, advance } = await open();
      const record = room();
      await store.createRoom(record, TTL_MS);
      await advance(TTL_MS / 2);
      expect(await store.refreshRoom(record.name, TTL_MS * 3)).toBe(true);
      await advance(TTL_MS);
      expect(await store.getRoom(record.name)).toEqual(record);
    });

    it("adds members in join order and removes them", async () => {
      const { store } = await open();
      const record = room();
      await store.createRoom(record, TTL_MS * 10);
      expect(await store.addMember(record.name, { peerId: "p1", username: "alice" }, 5)).toEqual({
        ok: true,
      });
      await store.addMember(record.name, { peerId: "p2", username: "bob" }, 5);
      expect(await store.listMembers(record.name)).toEqual([
        { peerId: "p1", username: "alice" },
        { peerId: "p2", username: "bob" },
      ]);
      await store.removeMember(record.name, "p1");
      await store.removeMember(record.name, "p-unknown");
      expect(await store.listMembers(record.name)).toEqual([{ peerId: "p2", username: "bob" }]);
      expect(await store.getRoom(record.name)).toEqual(record);
    });

    it("refuses a taken user name, also under concurrency", async () => {
      const { store } = await open();
      const record = room();
      await store.createRoom(record, TTL_MS * 10);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.addMember(record.name, { peerId: `p${i}`, username: "same" }, 50),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.reason === "username-conflict")).toHaveLength(9);
      await store.removeMember(
        record.name,
        (await store.listMembers(record.name))[0]?.peerId ?? "",
      );
      expect(await store.addMember(record.name, { peerId: "px", username: "same" }, 50)).toEqual({
        ok: true,
      });
    });

    it("holds the member limit, also under concurrency", async () => {
      const { store } = await open();
      const record = room();
      await store.createRoom(record, TTL_MS * 10);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          store.addMember(record.name, { peerId: `p${i}`, username: `user${i}` }, 4),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(4);
      expect(results.filter((r) => !r.ok && r.reason === "room-full")).toHaveLength(8);
      expect(await store.listMembers(record.name)).toHaveLength(4);
    });

    it("keeps rooms apart", async () => {
      const { store } = await open();
      const first = room();
      const second = room();
      await store.createRoom(first, TTL_MS * 10);
      await store.createRoom(second, TTL_MS * 10);
      await store.addMember(first.name, { peerId: "p1", username: "alice" }, 5);
      expect(await store.addMember(second.name, { peerId: "p2", username: "alice" }, 5)).toEqual({
        ok: true,
      });
      expect(await store.listMembers(first.name)).toEqual([{ peerId: "p1", username: "alice" }]);
    });

    it("stores user names and hashes byte for byte", async () => {
      const { store } = await open();
      const record = room({ passwordHash: "scrypt$16384$8$1$x+/=$y+/=" });
      await store.createRoom(record, TTL_MS * 10);
      const username = 'ünï "côdé" 🚀 \\ $ { }';
      await store.addMember(record.name, { peerId: "p1", username }, 5);
      expect((await store.listMembers(record.name))[0]?.username).toBe(username);
      expect((await store.getRoom(record.name))?.passwordHash).toBe(record.passwordHash);
    });
  });
}
