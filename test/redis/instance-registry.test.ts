import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InstanceRegistry } from "../../signaling-server/src/redis/instance-registry.js";
import {
  connectRedisClient,
  createRedisClient,
  parseRedisUrl,
  type RedisClient,
} from "../../signaling-server/src/redis/redis-connection.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";

let server: RedisServer;
let redis: RedisClient;
const TTL_MS = 800;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  server = await startRedisServer();
  const target = parseRedisUrl(server.url);
  redis = await createRedisClient(target, () => {});
  await connectRedisClient(redis, target);
});
afterAll(async () => {
  redis.disconnect();
  await server.dispose();
});
beforeEach(async () => {
  await redis.flushall();
});

describe("InstanceRegistry", () => {
  it("hands out the least-loaded live instance and spreads a burst of rooms", async () => {
    const registry = new InstanceRegistry(redis, 10_000);
    expect(await registry.pickLeastLoaded()).toBeUndefined();
    expect(await registry.heartbeat({ id: "a", url: "ws://a", connections: 5 })).toBe(false);
    expect(await registry.heartbeat({ id: "a", url: "ws://a", connections: 5 })).toBe(true);
    await registry.heartbeat({ id: "b", url: "ws://b", connections: 1 });
    await registry.heartbeat({ id: "c", url: "ws://c", connections: 3 });
    const picks = [];
    for (let i = 0; i < 6; i++) picks.push((await registry.pickLeastLoaded())?.url);
    // b: 1,2,3 then c joins at 3, then a at 5.
    expect(picks.slice(0, 2)).toEqual(["ws://b", "ws://b"]);
    expect(new Set(picks.slice(2, 4))).toEqual(new Set(["ws://b", "ws://c"]));
    expect(picks).not.toContain("ws://a");
  });

  it("drops an instance that stops heart-beating, and reports it dead exactly once", async () => {
    const registry = new InstanceRegistry(redis, TTL_MS);
    await registry.heartbeat({ id: "dying", url: "ws://dying", connections: 0 });
    await registry.heartbeat({ id: "alive", url: "ws://alive", connections: 50 });
    expect((await registry.list()).map((r) => r.id).sort()).toEqual(["alive", "dying"]);
    // "alive" beats every TTL/4, so only a stall of 3/4 TTL could make it look dead.
    for (let i = 0; i < 5; i++) {
      await sleep(TTL_MS / 4);
      await registry.heartbeat({ id: "alive", url: "ws://alive", connections: 50 });
    }
    expect((await registry.pickLeastLoaded())?.id).toBe("alive");
    const claims = await Promise.all([registry.claimDead(), registry.claimDead()]);
    expect(claims.flat()).toEqual(["dying"]);
    expect((await registry.list()).map((r) => r.id)).toEqual(["alive"]);
    expect(await registry.claimDead()).toEqual([]);
    await registry.finishReaping("dying");
    expect(await redis.zrange("{kad:instances}:load", "0", "-1")).toEqual(["alive"]);
    expect(await registry.claimDead()).toEqual([]);
  });

  it("hands a dead instance to another claimant when the first one never finished", async () => {
    const registry = new InstanceRegistry(redis, TTL_MS, 200);
    await registry.heartbeat({ id: "dying", url: "ws://dying", connections: 0 });
    await sleep(TTL_MS + 100);
    expect(await registry.claimDead()).toEqual(["dying"]);
    expect(await registry.claimDead()).toEqual([]);
    await sleep(300);
    expect(await registry.claimDead()).toEqual(["dying"]);
  });

  it("keeps an instance that came back while it was being cleaned up after", async () => {
    const registry = new InstanceRegistry(redis, TTL_MS);
    await registry.heartbeat({ id: "flaky", url: "ws://flaky", connections: 0 });
    await sleep(TTL_MS + 100);
    expect(await registry.claimDead()).toEqual(["flaky"]);
    expect(await registry.heartbeat({ id: "flaky", url: "ws://flaky", connections: 0 })).toBe(
      false,
    );
    await registry.finishReaping("flaky");
    expect((await registry.pickLeastLoaded())?.id).toBe("flaky");
  });

  it("removes an instance at once when it deregisters", async () => {
    const registry = new InstanceRegistry(redis, 10_000);
    await registry.heartbeat({ id: "leaving", url: "ws://leaving", connections: 0 });
    await registry.deregister("leaving");
    expect(await registry.list()).toEqual([]);
    expect(await registry.claimDead()).toEqual([]);
  });
});
