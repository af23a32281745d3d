/**
 * Several in-process signaling instances sharing one Redis, each on its own
 * ephemeral port, as `kad serve --redis` assembles them. Heartbeats are fast
 * so that instances re-register soon after Redis comes back; the TTL stays
 * generous so that a loaded CI machine never makes a live instance look dead.
 */
import { afterAll, beforeAll, onTestFinished } from "vitest";
import {
  type RunningServer,
  startSignalingServer,
  toWebSocketUri,
} from "../../signaling-server/src/index.js";
import type { ServerLimits } from "../../signaling-server/src/limits/server-limits.js";
import type { RedisTarget } from "../../signaling-server/src/redis/redis-connection.js";
import { RedisScaleOut } from "../../signaling-server/src/redis/redis-scale-out.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { ANSWER, CANDIDATES, OFFER, peerIdOf } from "../signaling/chain-helpers.js";
import { SignalingClient } from "../signaling/signaling-client.js";

export { peerIdOf };

export const TEST_HEARTBEAT_MS = 200;
export const TEST_INSTANCE_TTL_MS = 5_000;

export interface Instance {
  server: RunningServer;
  scaleOut: RedisScaleOut;
  /** ws://127.0.0.1:PORT */
  wsUrl: string;
  close(): Promise<void>;
}

export interface InstanceOptions {
  limits?: Partial<ServerLimits>;
  /** A shared public URL (a load balancer in front); default the instance's own address. */
  publicUrl?: string;
  heartbeatMs?: number;
  instanceTtlMs?: number;
  stateCheckMs?: number;
}

export async function startInstance(
  target: RedisTarget,
  options: InstanceOptions = {},
): Promise<Instance> {
  const scaleOut = await RedisScaleOut.connect({
    target,
    heartbeatMs: options.heartbeatMs ?? TEST_HEARTBEAT_MS,
    instanceTtlMs: options.instanceTtlMs ?? TEST_INSTANCE_TTL_MS,
    stateCheckMs: options.stateCheckMs,
  });
  const server = await startSignalingServer({
    host: "127.0.0.1",
    port: 0,
    publicUrl: options.publicUrl,
    ...scaleOut.serverOptions(),
    limits: {
      roomCreationsPerIpPerMinute: 1_000,
      failedConnectsPerIp: 1_000,
      ...options.limits,
    },
  });
  const wsUrl = server.url.replace(/^http/, "ws");
  await scaleOut.register({
    webSocketUri: options.publicUrl ? toWebSocketUri(options.publicUrl) : wsUrl,
    connections: () => server.metrics.value("kad_connections_open"),
    metrics: server.metrics,
  });
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= server.close().then(() => scaleOut.close());
    return closed;
  };
  return { server, scaleOut, wsUrl, close };
}

/** Starts `count` instances, all closed (with their clients) after the current test. */
export async function usePool(
  target: RedisTarget,
  count: number,
  options: InstanceOptions = {},
): Promise<Pool> {
  const instances: Instance[] = [];
  const clients: SignalingClient[] = [];
  onTestFinished(async () => {
    for (const client of clients) client.socket.terminate();
    await Promise.all(instances.map((instance) => instance.close()));
  });
  for (let i = 0; i < count; i++) instances.push(await startInstance(target, options));
  return new Pool(instances, clients);
}

export class Pool {
  constructor(
    readonly instances: Instance[],
    private readonly clients: SignalingClient[],
  ) {}

  at(index: number): Instance {
    const instance = this.instances[index];
    if (!instance) throw new Error(`no instance ${index}`);
    return instance;
  }

  createRoom(index: number, roomname: string, password?: string): Promise<Response> {
    return fetch(`${this.at(index).server.url}/rooms`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ username: "creator", roomname, ...(password ? { password } : {}) }),
    });
  }

  async open(wsUrl: string): Promise<SignalingClient> {
    const client = await SignalingClient.open(wsUrl);
    this.clients.push(client);
    return client;
  }

  /** Joins `username` to `roomname` through instance `index`; returns the client and the reply error. */
  async join(index: number, roomname: string, username: string, password?: string) {
    const client = await this.open(this.at(index).wsUrl);
    const reply = await client.request("connect", { username, roomname, password });
    return { client, err: (reply.payload as { err: string | null }).err };
  }

  async member(index: number, roomname: string, username: string): Promise<SignalingClient> {
    const { client, err } = await this.join(index, roomname, username);
    if (err !== null) throw new Error(`${username} could not join: ${err}`);
    return client;
  }
}

export function namesIn(frame: { payload?: unknown }): string[] {
  return (frame.payload as Array<{ name: string }>).map((member) => member.name).sort();
}

const B_CANDIDATES = CANDIDATES.map((c) => ({
  ...c,
  candidate: c.candidate.replace("5000", "6000"),
}));

/** Drives all eight steps of the initiate chain from `a` to `b`; throws on any wrong frame. */
export async function runInitiateChain(a: SignalingClient, b: SignalingClient, bName: string) {
  const bId = await peerIdOf(a, bName);
  const a1 = `a1-${Math.random()}`;
  const a2 = `a2-${Math.random()}`;
  const b1 = `b1-${Math.random()}`;
  a.send({ type: "initiate", payload: { id: bId, offerSDP: OFFER }, id: a1 });
  const step2 = await b.next((f) => f.type === "initiate");
  expectEqual(step2.payload, { id: (step2.payload as { id: string }).id, offerSDP: OFFER });
  b.send({ replyId: step2.id, payload: ANSWER, id: b1 });
  const step4 = await a.next((f) => f.replyId === a1);
  expectEqual(step4.payload, ANSWER);
  a.send({ replyId: step4.id, payload: CANDIDATES, id: a2 });
  const step6 = await b.next((f) => f.replyId === b1);
  expectEqual(step6.payload, CANDIDATES);
  b.send({ replyId: step6.id, payload: B_CANDIDATES });
  const step8 = await a.next((f) => f.replyId === a2);
  expectEqual(step8, { replyId: a2, payload: B_CANDIDATES });
  return { initiatorIdSeenByB: (step2.payload as { id: string }).id };
}

function expectEqual(actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/** One redis-server for every test in the calling file, started before and disposed after them. */
export function useRedisServer(): { readonly server: RedisServer } {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.dispose();
  });
  return {
    get server() {
      if (!server) throw new Error("the redis-server is not started yet (use it inside a test)");
      return server;
    },
  };
}
