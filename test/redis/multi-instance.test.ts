/**
 * Two and three signaling instances on one real Redis, standalone and as a
 * three-master Redis Cluster: rooms, names, member lists and the whole
 * initiate chain work whichever instance each member reached; POST /rooms
 * spreads rooms over the live instances.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  parseClusterSeeds,
  parseRedisUrl,
  type RedisTarget,
} from "../../signaling-server/src/redis/redis-connection.js";
import { startRedisCluster, startRedisServer } from "../helpers/redis-server.js";
import { uniqueRoom } from "../signaling/harness.js";
import { namesIn, peerIdOf, runInitiateChain, usePool } from "./scale-out-harness.js";

const REDIS_KINDS = {
  "standalone Redis": async () => {
    const server = await startRedisServer();
    return { target: parseRedisUrl(server.url), stop: () => server.dispose() };
  },
  "a three-master Redis Cluster": async () => {
    const cluster = await startRedisCluster(3);
    return { target: parseClusterSeeds(cluster.seeds.join(",")), stop: () => cluster.stop() };
  },
};

describe.each(Object.entries(REDIS_KINDS))("on %s", (kind, start) => {
  let target: RedisTarget;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ target, stop } = await start());
  });
  afterAll(async () => {
    await stop();
  });

  it("routes the bus over sharded pub/sub on a cluster, classic pub/sub otherwise", async () => {
    const pool = await usePool(target, 1);
    expect(pool.at(0).scaleOut.bus.usesShardedPubSub).toBe(kind.includes("Cluster"));
  });

  describe("two instances on one Redis", () => {
    it("refuses a room name taken on the other instance (409), also when both race", async () => {
      const pool = await usePool(target, 2);
      const name = uniqueRoom("taken");
      expect((await pool.createRoom(0, name)).status).toBe(201);
      expect((await pool.createRoom(1, name)).status).toBe(409);

      const raced = uniqueRoom("race");
      const statuses = await Promise.all([0, 1, 0, 1].map((i) => pool.createRoom(i, raced)));
      expect(statuses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    });

    it("serves a room from either instance: lookup, names, users pushes, the initiate chain", async () => {
      const pool = await usePool(target, 2);
      const room = uniqueRoom("cross");
      expect((await pool.createRoom(0, room)).status).toBe(201);
      const lookup = await fetch(`${pool.at(1).server.url}/rooms/${room}`, {
        headers: { Accept: "application/json" },
      });
      expect(lookup.status).toBe(200);

      const alice = await pool.member(0, room, "alice");
      const bob = await pool.member(1, room, "bob");
      expect(namesIn(await alice.nextUsers())).toEqual(["bob"]);
      expect((await pool.join(0, room, "bob")).err).toBe("USERNAME_CONFLICT");
      expect((await pool.join(1, "no-such-room", "carol")).err).toBe("notfound");

      await runInitiateChain(alice, bob, "bob");
      await runInitiateChain(bob, alice, "alice");

      await bob.close();
      expect(namesIn(await alice.nextUsers())).toEqual([]);
      const reply = await alice.request("initiate", {
        id: "gone",
        offerSDP: { type: "offer", sdp: "v=0\r\n" },
      });
      expect(reply.payload).toEqual({ err: "notfound" });
    });

    it("tells the initiator when the peer on the other instance leaves mid-chain", async () => {
      const pool = await usePool(target, 2);
      const room = uniqueRoom("midway");
      await pool.createRoom(0, room);
      const alice = await pool.member(0, room, "alice");
      const bob = await pool.member(1, room, "bob");
      const bobId = await peerIdOf(alice, "bob");
      alice.send({
        type: "initiate",
        payload: { id: bobId, offerSDP: { type: "offer", sdp: "v=0\r\n" } },
        id: "a1",
      });
      await bob.next((f) => f.type === "initiate");
      await bob.close();
      const reply = await alice.next((f) => f.replyId === "a1");
      expect(reply.payload).toEqual({ err: "peer-left" });
    });

    it("answers peer-left when the other instance's peer left before the next step", async () => {
      const pool = await usePool(target, 2);
      const room = uniqueRoom("late");
      await pool.createRoom(0, room);
      const alice = await pool.member(0, room, "alice");
      const bob = await pool.member(1, room, "bob");
      await runInitiateChain(alice, bob, "bob");
      const bobId = await peerIdOf(alice, "bob");
      alice.send({
        type: "initiate",
        payload: { id: bobId, offerSDP: { type: "offer", sdp: "v=0\r\n" } },
        id: "a1",
      });
      const offer = await bob.next((f) => f.type === "initiate");
      bob.send({ replyId: offer.id, payload: { type: "answer", sdp: "v=0\r\n" }, id: "b1" });
      const answer = await alice.next((f) => f.replyId === "a1");
      await bob.close();
      await alice.nextUsers();
      alice.send({ replyId: answer.id, payload: [], id: "a2" });
      const reply = await alice.next((f) => f.replyId === "a2");
      expect(reply.payload).toEqual({ err: "peer-left" });
    });
  });

  describe("three instances on one Redis", () => {
    it("hands out live instances least-loaded first and relays between all of them", async () => {
      const pool = await usePool(target, 3);
      const handedOut = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const name = uniqueRoom("spread");
        const created = await pool.createRoom(0, name);
        expect(created.status).toBe(201);
        const wsUrl = (await created.json()) as string;
        handedOut.add(wsUrl);
        // The creator connects, as kad send does: that is the load heartbeats report.
        const creator = await pool.open(wsUrl);
        await creator.request("connect", { username: "creator", roomname: name });
      }
      expect(handedOut).toEqual(new Set(pool.instances.map((instance) => instance.wsUrl)));

      const room = uniqueRoom("trio");
      await pool.createRoom(2, room);
      const members = [
        await pool.member(0, room, "alice"),
        await pool.member(1, room, "bob"),
        await pool.member(2, room, "carol"),
      ] as const;
      const [alice, bob, carol] = members;
      expect(namesIn(await carol.request("users", {}))).toEqual(["alice", "bob"]);
      await runInitiateChain(alice, carol, "carol");
      await runInitiateChain(carol, bob, "bob");
      await runInitiateChain(bob, alice, "alice");
    });

    it("drops an instance from the pool at once when it shuts down, and its members leave", async () => {
      const pool = await usePool(target, 3);
      const room = uniqueRoom("shutdown");
      await pool.createRoom(0, room);
      const alice = await pool.member(0, room, "alice");
      await pool.member(2, room, "carol");
      expect(namesIn(await alice.nextUsers())).toEqual(["carol"]);

      await pool.at(2).close();
      expect(namesIn(await alice.nextUsers())).toEqual([]);
      const live = await pool.at(0).scaleOut.listInstances();
      expect(live.map((record) => record.url).sort()).toEqual(
        [pool.at(0).wsUrl, pool.at(1).wsUrl].sort(),
      );
      for (let i = 0; i < 4; i++) {
        const created = await pool.createRoom(1, uniqueRoom("after"));
        expect(await created.json()).not.toBe(pool.at(2).wsUrl);
      }
    });
  });
});
