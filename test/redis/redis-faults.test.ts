/**
 * Redis going away under running instances: requests fail fast and clearly
 * (HTTP 503 with Retry-After, `INTERNAL_ERROR`), nothing crashes, and once Redis is back the
 * instances repair what it lost or missed, leaving no ghost members behind.
 */
import { beforeEach, describe, expect, it } from "vitest";
import {
  parseClusterSeeds,
  parseRedisUrl,
  type RedisTarget,
} from "../../signaling-server/src/redis/redis-connection.js";
import { type RedisServer, startRedisCluster } from "../helpers/redis-server.js";
import { uniqueRoom } from "../signaling/harness.js";
import {
  namesIn,
  type Pool,
  runInitiateChain,
  usePool,
  useRedisServer,
} from "./scale-out-harness.js";

const shared = useRedisServer();
let redis: RedisServer;
let target: RedisTarget;

beforeEach(() => {
  redis = shared.server;
  target = parseRedisUrl(redis.url);
});

async function expectOutageAnswers(pool: Pool, room: string): Promise<void> {
  const started = Date.now();
  const created = await pool.createRoom(0, uniqueRoom("during"));
  expect(created.status).toBe(503);
  expect(created.headers.get("retry-after")).toMatch(/^\d+$/);
  const lookup = await fetch(`${pool.at(1).server.url}/rooms/${room}`, {
    headers: { Accept: "application/json" },
  });
  expect(lookup.status).toBe(503);
  expect((await pool.join(1, room, "dave")).err).toBe("INTERNAL_ERROR");
  // Fail fast: a few command timeouts at most, never a hang.
  expect(Date.now() - started).toBeLessThan(15_000);
  const health = await fetch(`${pool.at(0).server.url}/healthz`);
  expect(health.status).toBe(200);
}

describe("Redis faults", () => {
  it("restarted empty: 503 and INTERNAL_ERROR meanwhile, then rooms and members come back", async () => {
    const pool = await usePool(target, 2);
    const room = uniqueRoom("restart");
    await pool.createRoom(0, room);
    const alice = await pool.member(0, room, "alice");
    const bob = await pool.member(1, room, "bob");
    expect(namesIn(await alice.nextUsers())).toEqual(["bob"]);

    expect(pool.at(0).server.metrics.value("kad_redis_up")).toBe(1);
    await redis.kill();
    await expectOutageAnswers(pool, room);
    await expect.poll(() => pool.at(0).server.metrics.value("kad_redis_up")).toBe(0);
    await redis.start();

    await expect
      .poll(async () => (await pool.at(0).scaleOut.listInstances()).length, { timeout: 5_000 })
      .toBe(2);
    await expect.poll(() => pool.at(1).server.metrics.value("kad_redis_up")).toBe(1);
    await expect.poll(() => pool.at(1).server.metrics.value("kad_instances_live")).toBe(2);
    expect(pool.at(1).server.metrics.render()).toContain("kad_redis_up 1");
    await expect
      .poll(async () => (await fetch(`${pool.at(1).server.url}/rooms/${room}`)).status, {
        timeout: 5_000,
      })
      .toBe(200);
    const views = async () => [
      ...namesIn(await alice.request("users", {})),
      ...namesIn(await bob.request("users", {})),
    ];
    await expect.poll(views, { timeout: 5_000 }).toEqual(["bob", "alice"]);
    await runInitiateChain(alice, bob, "bob");
    await runInitiateChain(bob, alice, "alice");
    const carol = await pool.member(1, room, "carol");
    expect(namesIn(await carol.request("users", {}))).toEqual(["alice", "bob"]);
    expect((await pool.join(0, room, "alice")).err).toBe("USERNAME_CONFLICT");
    expect((await pool.createRoom(1, room)).status).toBe(409);
  });

  it("unreachable for a while: a member who left meanwhile does not stay behind", async () => {
    // A TTL longer than the outage, so the instances do not also look dead.
    const pool = await usePool(target, 2, { heartbeatMs: 200, instanceTtlMs: 20_000 });
    const room = uniqueRoom("frozen");
    await pool.createRoom(0, room);
    const alice = await pool.member(0, room, "alice");
    const bob = await pool.member(1, room, "bob");
    expect(namesIn(await alice.nextUsers())).toEqual(["bob"]);

    redis.pause();
    try {
      await bob.close();
      await expectOutageAnswers(pool, room);
    } finally {
      redis.resume();
    }
    await expect
      .poll(async () => namesIn(await alice.request("users", {})), { timeout: 5_000 })
      .toEqual([]);
    expect((await pool.join(1, room, "bob")).err).toBeNull();
  });

  it("leaves no state behind once everyone has gone and the instances shut down", async () => {
    const pool = await usePool(target, 2);
    const room = uniqueRoom("tidy");
    await pool.createRoom(0, room);
    const alice = await pool.member(0, room, "alice");
    const bob = await pool.member(1, room, "bob");
    await runInitiateChain(alice, bob, "bob");
    await alice.close();
    await bob.close();
    await Promise.all(pool.instances.map((instance) => instance.close()));

    const { Redis } = await import("ioredis");
    const client = new Redis(redis.url);
    try {
      const keys = (await client.keys("*")).filter((key) => !key.startsWith("kad:room:{"));
      expect(keys).toEqual([]);
      // The room itself lives on until its TTL, as in the original; its member list is empty.
      expect(await client.hlen(`kad:room:{${room}}:members`)).toBe(0);
    } finally {
      client.disconnect();
    }
  });

  it("one Cluster master restarted empty: its rooms and peers come back, relays work again", async () => {
    const cluster = await startRedisCluster(3);
    try {
      const clusterTarget = parseClusterSeeds(cluster.seeds.join(","));
      const pool = await usePool(clusterTarget, 2, { stateCheckMs: 300 });
      const room = uniqueRoom("shard");
      await pool.createRoom(0, room);
      const alice = await pool.member(0, room, "alice");
      const bob = await pool.member(1, room, "bob");
      expect(namesIn(await alice.nextUsers())).toEqual(["bob"]);

      const holder = await masterHolding(cluster.masters, `kad:room:{${room}}`);
      await holder.kill();
      await holder.start();
      await expect
        .poll(async () => (await fetch(`${pool.at(0).server.url}/rooms/${room}`)).status, {
          timeout: 20_000,
          interval: 200,
        })
        .toBe(200);
      // Each instance puts back its own member on its next check.
      const views = async () => [
        ...namesIn(await alice.request("users", {})),
        ...namesIn(await bob.request("users", {})),
      ];
      await expect.poll(views, { timeout: 10_000 }).toEqual(["bob", "alice"]);
      await runInitiateChain(alice, bob, "bob");
      await runInitiateChain(bob, alice, "alice");
      expect((await pool.join(0, room, "bob")).err).toBe("USERNAME_CONFLICT");
    } finally {
      await cluster.stop();
    }
  });
});

/** The master whose slot ranges (from CLUSTER NODES) include `key`'s slot. */
async function masterHolding(masters: RedisServer[], key: string): Promise<RedisServer> {
  const { Redis } = await import("ioredis");
  const client = new Redis((masters[0] as RedisServer).url);
  try {
    const slot = Number(await client.call("CLUSTER", "KEYSLOT", key));
    const nodes = String(await client.call("CLUSTER", "NODES"));
    for (const line of nodes.split("\n")) {
      const fields = line.split(" ");
      const port = Number(/:(\d+)@/.exec(fields[1] ?? "")?.[1]);
      const ranges = fields.slice(8).map((range) => range.split("-").map(Number));
      const holds = ranges.some(([from = -1, to = from]) => slot >= from && slot <= to);
      const master = masters.find((candidate) => candidate.port === port);
      if (holds && master) return master;
    }
  } finally {
    client.disconnect();
  }
  throw new Error(`no master holds ${key}`);
}
