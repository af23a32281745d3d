/**
 * `kad serve` reaching Redis over TLS, as managed Redis services require:
 * `--redis rediss://...` and `--redis-cluster rediss://...`, trusting a
 * private CA through NODE_EXTRA_CA_CERTS.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisCluster, startRedisServer, type TlsFiles } from "../helpers/redis-server.js";
import { uniqueRoom } from "../signaling/harness.js";
import { SignalingClient } from "../signaling/signaling-client.js";
import { namesIn, runInitiateChain } from "./scale-out-harness.js";
import { createTestCertificates } from "./test-certificates.js";

const KAD = new URL("../../bin/kad", import.meta.url).pathname;

let dir: string;
let tls: TlsFiles;
const children: ChildProcess[] = [];
const clients: SignalingClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kad-tls-"));
  tls = await createTestCertificates(dir);
});
afterAll(async () => {
  for (const client of clients) client.socket.terminate();
  for (const child of children) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

async function serve(redisArgs: string[]): Promise<{ url: string; wsUrl: string }> {
  const args = ["serve", "--host", "127.0.0.1", "--port", "0", "--json", "--log-level", "warn"];
  const child = spawn(process.execPath, [KAD, ...args, ...redisArgs], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.caFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`kad serve exited ${code}: ${stderr}`)));
  });
  const event = JSON.parse(line) as { url: string; webSocketUrl: string };
  return { url: event.url, wsUrl: event.webSocketUrl };
}

async function roomAcross(first: { url: string; wsUrl: string }, second: { wsUrl: string }) {
  const room = uniqueRoom("tls");
  const created = await fetch(`${first.url}/rooms`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ username: "creator", roomname: room }),
  });
  expect(created.status).toBe(201);
  const join = async (wsUrl: string, username: string) => {
    const client = await SignalingClient.open(wsUrl);
    clients.push(client);
    expect((await client.request("connect", { username, roomname: room })).payload).toEqual({
      err: null,
    });
    return client;
  };
  const alice = await join(first.wsUrl, "alice");
  const bob = await join(second.wsUrl, "bob");
  expect(namesIn(await alice.nextUsers())).toEqual(["bob"]);
  await runInitiateChain(alice, bob, "bob");
}

describe("Redis over TLS", () => {
  it("serves rooms across instances on a standalone Redis at rediss://", async () => {
    const redis = await startRedisServer({ tls });
    try {
      expect(redis.url).toMatch(/^rediss:\/\//);
      const [first, second] = await Promise.all([
        serve(["--redis", redis.url]),
        serve(["--redis", redis.url]),
      ]);
      await roomAcross(first, second);
    } finally {
      await redis.dispose();
    }
  });

  it("serves rooms across instances on a Redis Cluster with rediss:// seeds", async () => {
    const cluster = await startRedisCluster(3, tls);
    try {
      const seeds = cluster.seeds.map((seed) => `rediss://${seed}`).join(",");
      const [first, second] = await Promise.all([
        serve(["--redis-cluster", seeds]),
        serve(["--redis-cluster", seeds]),
      ]);
      await roomAcross(first, second);
    } finally {
      await cluster.stop();
    }
  });
});
