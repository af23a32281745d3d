/**
 * What the shared contract suite cannot see: atomicity between separate
 * connections (as between instances), expiry by Redis itself, and putting
 * state back after Redis lost it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  connectRedisClient,
  createRedisClient,
  parseRedisUrl,
  type RedisClient,
} from "../../signaling-server/src/redis/redis-connection.js";
import { RedisRoomStore } from "../../signaling-server/src/redis/redis-room-store.js";
import {
  type RoomRecord,
  StoreUnavailableError,
} from "../../signaling-server/src/store/room-store.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";

let server: RedisServer;
const clients: RedisClient[] = [];

async function connect(): Promise<RedisClient> {
  const target = parseRedisUrl(server.url);
  const client = await createRedisClient(target, () => {});
  await connectRedisClient(client, target);
  clients.push(client);
  return client;
}

function room(name: string): RoomRecord {
  return { name, passwordHash: null, webSocketUri: "ws://127.0.0.1:1", createdAt: Date.now() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server.dispose();
});
beforeEach(async () => {
  await (await connect()).flushall();
});

describe("RedisRoomStore across connections", () => {
  it("lets exactly one of many concurrent creators on separate connections win", async () => {
    const stores = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => new RedisRoomStore(await connect(), `i${i}`)),
    );
    const results = await Promise.all(
      stores.flatMap((store) => [1, 2, 3].map(() => store.createRoom(room("contested"), 60_000))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("admits a user name once even when two instances join at the same moment", async () => {
    const [a, b] = [
      new RedisRoomStore(await connect(), "a"),
      new RedisRoomStore(await connect(), "b"),
    ];
    await a.createRoom(room("names"), 60_000);
    const results = await Promise.all([
      a.addMember("names", { peerId: "p1", username: "alice" }, 32),
      b.addMember("names", { peerId: "p2", username: "alice" }, 32),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === "username-conflict")).toHaveLength(1);
  });

  it("lets Redis expire a room together with its members", async () => {
    const redis = await connect();
    const store = new RedisRoomStore(redis, "a");
    await store.createRoom(room("short"), 300);
    await store.addMember("short", { peerId: "p1", username: "alice" }, 32);
    expect(await redis.pttl("kad:room:{short}:members")).toBeGreaterThan(0);
    await sleep(450);
    expect(await store.getRoom("short")).toBeUndefined();
    expect(await redis.exists("kad:room:{short}", "kad:room:{short}:members")).toBe(0);
  });

  it("puts its own rooms and members back after Redis lost everything", async () => {
    const redis = await connect();
    const [a, b] = [new RedisRoomStore(redis, "a"), new RedisRoomStore(await connect(), "b")];
    await a.createRoom({ ...room("survivor"), passwordHash: "scrypt$hash" }, 60_000);
    await a.addMember("survivor", { peerId: "p1", username: "alice" }, 32);
    await b.addMember("survivor", { peerId: "p2", username: "bob" }, 32);
    await a.addMember("survivor", { peerId: "p3", username: "carol" }, 32);
    await a.removeMember("survivor", "p3");
    await redis.flushall();

    expect(await a.restoreLocalMembers()).toEqual(["survivor"]);
    expect(await b.restoreLocalMembers()).toEqual(["survivor"]);
    expect(await a.restoreLocalMembers()).toEqual([]);
    const restored = await a.getRoom("survivor");
    expect(restored?.passwordHash).toBe("scrypt$hash");
    const names = (await a.listMembers("survivor")).map((m) => m.username);
    expect(names.sort()).toEqual(["alice", "bob"]);
    expect(await redis.smembers("kad:instance:{a}:members")).toEqual(["survivor/p1"]);
  });

  it("calls a full Redis unavailable (503), not broken", async () => {
    const redis = await connect();
    const store = new RedisRoomStore(redis, "a");
    await redis.config("SET", "maxmemory-policy", "noeviction");
    await redis.config("SET", "maxmemory", "1");
    try {
      await expect(store.createRoom(room("full"), 60_000)).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
      expect(await store.getRoom("full")).toBeUndefined();
    } finally {
      await redis.config("SET", "maxmemory", "0");
    }
  });

  it("rejects, rather than hangs, while Redis is down", async () => {
    const store = new RedisRoomStore(await connect(), "a");
    await server.kill();
    try {
      await expect(store.createRoom(room("offline"), 60_000)).rejects.toThrow();
      await expect(store.getRoom("offline")).rejects.toThrow();
    } finally {
      await server.start();
    }
    // The client reconnects by itself.
    await expect
      .poll(() => store.createRoom(room("online"), 60_000), { timeout: 5_000 })
      .toBe(true);
  });
});
