/**
 * `kad serve --redis` as operators run it: real processes sharing a real
 * Redis. One is killed with SIGKILL mid-session; the others notice by
 * themselves (its heartbeat stops), its members leave their rooms, and the
 * rooms stay joinable through the survivors. A clean shutdown deregisters.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { startRedisCluster } from "../helpers/redis-server.js";
import { uniqueRoom } from "../signaling/harness.js";
import { SignalingClient } from "../signaling/signaling-client.js";
import { namesIn, runInitiateChain, useRedisServer } from "./scale-out-harness.js";

const KAD = new URL("../../bin/kad", import.meta.url).pathname;
/** Default heartbeat 2 s and TTL 6 s, plus the survivor's next beat, with room for a loaded CI. */
const DEATH_NOTICED_WITHIN_MS = 20_000;

const redis = useRedisServer();
const children: ChildProcess[] = [];
const clients: SignalingClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.terminate();
  await Promise.all(
    children.splice(0).map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      return exited;
    }),
  );
  // Killed instances leave records behind until their TTL; the next test starts clean.
  const cleaner = new Redis(redis.server.url);
  await cleaner.flushall();
  cleaner.disconnect();
});

interface ServeProcess {
  child: ChildProcess;
  url: string;
  wsUrl: string;
  exited: Promise<number | null>;
}

/** `kad serve` on the file's Redis, or with other Redis options such as --redis-cluster. */
async function serve(redisArgs = ["--redis", redis.server.url]): Promise<ServeProcess> {
  const args = ["serve", "--host", "127.0.0.1", "--port", "0", "--json", "--log-level", "warn"];
  const child = spawn(process.execPath, [KAD, ...args, ...redisArgs], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", resolve);
    exited.then((code) => reject(new Error(`kad serve exited ${code}: ${stderr}`)));
  });
  const event = JSON.parse(line) as { url: string; webSocketUrl: string };
  return { child, url: event.url, wsUrl: event.webSocketUrl, exited };
}

async function createRoom(server: ServeProcess, roomname: string): Promise<Response> {
  return fetch(`${server.url}/rooms`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ username: "creator", roomname }),
  });
}

async function member(server: ServeProcess, roomname: string, username: string) {
  const client = await SignalingClient.open(server.wsUrl);
  clients.push(client);
  const reply = await client.request("connect", { username, roomname });
  expect(reply.payload).toEqual({ err: null });
  return client;
}

describe("kad serve --redis", () => {
  it("survives an instance killed mid-session: its members leave, the room stays joinable", async () => {
    const [first, second] = await Promise.all([serve(), serve()]);
    const room = uniqueRoom("killed");
    const created = await createRoom(first, room);
    expect(created.status).toBe(201);
    // Kill the instance the room was handed out with, the harder case for joiners.
    const doomed = (await created.json()) === first.wsUrl ? first : second;
    const survivor = doomed === first ? second : first;
    const alice = await member(survivor, room, "alice");
    const bob = await member(doomed, room, "bob");
    expect(namesIn(await alice.nextUsers())).toEqual(["bob"]);
    await runInitiateChain(alice, bob, "bob");

    doomed.child.kill("SIGKILL");
    await doomed.exited;
    const left = await alice.next(
      (frame) => frame.type === "users" && frame.id === undefined,
      DEATH_NOTICED_WITHIN_MS,
    );
    expect(namesIn(left)).toEqual([]);

    // A joiner by code looks the room up and is sent to a live instance.
    const lookup = await fetch(`${survivor.url}/rooms/${room}`, {
      headers: { Accept: "application/json" },
    });
    const { webSocketUri } = (await lookup.json()) as { webSocketUri: string };
    expect(webSocketUri).toBe(survivor.wsUrl);
    const carol = await member({ ...survivor, wsUrl: webSocketUri }, room, "carol");
    expect(namesIn(await alice.nextUsers())).toEqual(["carol"]);
    await runInitiateChain(carol, alice, "alice");
    // "bob" is free again: the dead instance's member is gone for good.
    await member(survivor, room, "bob");
    for (let i = 0; i < 3; i++) {
      const another = await createRoom(survivor, uniqueRoom("after-kill"));
      expect(await another.json()).toBe(survivor.wsUrl);
    }
  });

  it("deregisters on SIGTERM and leaves nothing of its own in Redis", async () => {
    const [first, second] = await Promise.all([serve(), serve()]);
    const room = uniqueRoom("graceful");
    await createRoom(first, room);
    const alice = await member(first, room, "alice");
    await member(second, room, "bob");
    expect(namesIn(await alice.nextUsers())).toEqual(["bob"]);

    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(namesIn(await alice.nextUsers())).toEqual([]);
    const inspect = new Redis(redis.server.url);
    try {
      const registry = await inspect.zrange("{kad:instances}:load", "0", "-1");
      expect(registry).toHaveLength(1);
      const records = await inspect.keys("{kad:instances}:*");
      expect(records.sort()).toEqual(
        ["{kad:instances}:load", `{kad:instances}:${registry[0]}`].sort(),
      );
      const survivor = JSON.parse((await inspect.get(`{kad:instances}:${registry[0]}`)) ?? "{}");
      expect(survivor.url).toBe(first.wsUrl);
      expect(await inspect.keys("kad:instance:*")).toHaveLength(1);
      expect(await inspect.hlen(`kad:room:{${room}}:members`)).toBe(1);
    } finally {
      inspect.disconnect();
    }
  });

  it("runs on a three-master Redis Cluster given by its seed nodes", async () => {
    const cluster = await startRedisCluster(3);
    try {
      const seeds = ["--redis-cluster", cluster.seeds.join(",")];
      const [first, second] = await Promise.all([serve(seeds), serve(seeds)]);
      const room = uniqueRoom("cluster");
      expect((await createRoom(first, room)).status).toBe(201);
      expect((await createRoom(second, room)).status).toBe(409);
      const alice = await member(first, room, "alice");
      const bob = await member(second, room, "bob");
      expect(namesIn(await alice.nextUsers())).toEqual(["bob"]);
      await runInitiateChain(alice, bob, "bob");
      await runInitiateChain(bob, alice, "alice");
    } finally {
      for (const client of clients.splice(0)) client.socket.terminate();
      for (const child of children.splice(0)) child.kill("SIGKILL");
      await cluster.stop();
    }
  });

  it("fails with exit code 3 and a clear message when Redis cannot be reached", async () => {
    const child = spawn(
      process.execPath,
      [KAD, "serve", "--host", "127.0.0.1", "--port", "0", "--redis", "redis://127.0.0.1:1"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(child);
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(3);
    expect(stderr).toContain("cannot reach Redis at redis://127.0.0.1:1");
  });
});
