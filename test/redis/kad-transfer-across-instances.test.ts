/**
 * A real kad transfer whose sender and receiver sit on different signaling
 * instances: the instances share one public URL behind a load balancer that
 * spreads WebSocket connections over them, so the `users` pushes and the
 * whole initiate chain cross instances through Redis.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { parseRedisUrl } from "../../signaling-server/src/redis/redis-connection.js";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, startSend } from "../helpers/transfer-cli.js";
import { type Instance, startInstance, useRedisServer } from "./scale-out-harness.js";
import { startBalancer } from "./websocket-balancer.js";

const redis = useRedisServer();

/** `count` instances announcing one balancer URL; all closed after the test. */
async function behindBalancer(count: number) {
  const balancer = await startBalancer();
  const instances: Instance[] = [];
  onTestFinished(async () => {
    await balancer.close();
    await Promise.all(instances.map((instance) => instance.close()));
  });
  for (let i = 0; i < count; i++) {
    const target = parseRedisUrl(redis.server.url);
    const instance = await startInstance(target, { publicUrl: balancer.url });
    instances.push(instance);
    balancer.backendPorts.push(instance.server.port);
  }
  return { balancer, instances };
}

/** WebSocket connections each instance has accepted so far. */
function connectionsPerInstance(instances: Instance[]): number[] {
  return instances.map((instance) => instance.server.metrics.value("kad_connections_total"));
}

async function transfer(serverUrl: string, dir: string, name: string, size: number) {
  await writeRandomFile(join(dir, name), size);
  const { sender, code } = await startSend(serverUrl, [name], { cwd: dir });
  const receiver = kad(["receive", "--json", "--server", serverUrl, "-o", "out", code], {
    cwd: dir,
  });
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  expect({ sent: sent.code, received: received.code, stderr: received.stderr }).toEqual({
    sent: 0,
    received: 0,
    stderr: "",
  });
  expect(await sha256File(join(dir, "out", name))).toBe(await sha256File(join(dir, name)));
}

describe("kad send and receive on different instances", () => {
  it("completes a transfer across two instances", async () => {
    const { balancer, instances } = await behindBalancer(2);
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await transfer(balancer.url, dir, "across.bin", 300_000);
    expect(connectionsPerInstance(instances)).toEqual([1, 1]);
  });

  it("completes transfers across three instances, every instance taking part", async () => {
    const { balancer, instances } = await behindBalancer(3);
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await transfer(balancer.url, dir, "first.bin", 200_000);
    await transfer(balancer.url, dir, "second.bin", 200_000);
    expect(connectionsPerInstance(instances)).toEqual([2, 1, 1]);
  });
});
