import { Cluster, Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { startRedisCluster, startRedisServer } from "../helpers/redis-server.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

describe("redis-server test helper", () => {
  it("starts servers on distinct ephemeral ports, restarts one empty on the same port", async () => {
    const [first, second] = await Promise.all([startRedisServer(), startRedisServer()]);
    cleanups.push(
      () => first.dispose(),
      () => second.dispose(),
    );
    expect(first.port).not.toBe(second.port);

    const client = new Redis(first.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    client.on("error", () => {});
    cleanups.push(async () => client.disconnect());
    await client.set("k", "v");
    expect(await client.get("k")).toBe("v");

    await first.kill();
    expect(first.isRunning).toBe(false);
    await expect(client.get("k")).rejects.toThrow();

    await first.start();
    expect(first.isRunning).toBe(true);
    expect(await client.get("k")).toBeNull();
  });

  it("forms a three-master cluster that spreads keys over the masters", async () => {
    const cluster = await startRedisCluster(3);
    cleanups.push(() => cluster.stop());
    const client = new Cluster(
      cluster.seeds.map((seed) => {
        const [host, port] = seed.split(":");
        return { host: host ?? "", port: Number(port) };
      }),
    );
    cleanups.push(async () => client.disconnect());
    for (let i = 0; i < 30; i++) await client.set(`key-${i}`, String(i));
    const sizes = await Promise.all(client.nodes("master").map((node) => node.dbsize()));
    expect(sizes).toHaveLength(3);
    for (const size of sizes) expect(size).toBeGreaterThan(0);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(30);
  });
});
