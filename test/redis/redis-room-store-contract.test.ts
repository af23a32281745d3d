/** The shared RoomStore contract, run against a standalone Redis and a three-master Redis Cluster. */
import { afterAll } from "vitest";
import {
  connectRedisClient,
  createRedisClient,
  parseClusterSeeds,
  parseRedisUrl,
  type RedisClient,
  type RedisTarget,
} from "../../signaling-server/src/redis/redis-connection.js";
import { RedisRoomStore } from "../../signaling-server/src/redis/redis-room-store.js";
import { startRedisCluster, startRedisServer } from "../helpers/redis-server.js";
import { describeRoomStore } from "../signaling/room-store-contract.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts the Redis behind `target` on first use, once for the whole file. */
function lazyTarget(start: () => Promise<{ target: RedisTarget; stop(): Promise<void> }>) {
  let started: ReturnType<typeof start> | undefined;
  afterAll(async () => {
    await (await started)?.stop();
  });
  return async () => {
    started ??= start();
    return (await started).target;
  };
}

function storeOn(target: () => Promise<RedisTarget>) {
  return async () => {
    const resolved = await target();
    const client: RedisClient = await createRedisClient(resolved, () => {});
    await connectRedisClient(client, resolved);
    return {
      store: new RedisRoomStore(client, "contract"),
      advance: (ms: number) => sleep(ms),
      cleanup: async () => client.disconnect(),
    };
  };
}

const standalone = lazyTarget(async () => {
  const server = await startRedisServer();
  return { target: parseRedisUrl(server.url), stop: () => server.dispose() };
});
describeRoomStore("redis", storeOn(standalone));

const cluster = lazyTarget(async () => {
  const started = await startRedisCluster(3);
  return { target: parseClusterSeeds(started.seeds.join(",")), stop: () => started.stop() };
});
describeRoomStore("redis cluster", storeOn(cluster));
