/**
 * Signaling server load benchmark (npm run bench:signaling).
 *
 *   1. throughput: ROOMS rooms, each with two clients; the first runs the whole
 *      8-step initiate chain CHAINS times against the second, all rooms at
 *      once. Prints initiates per second and p50/p99 chain latency.
 *   2. idle memory: IDLE connections that joined rooms of two and sit idle;
 *      prints the server's RSS (and heap) per idle connection.
 *
 * The server runs in its own process (this file, role "server") so its RSS is
 * its own. Loopback only; per-IP and rate limits raised through
 * startSignalingServer's `limits`, since every client shares 127.0.0.1.
 * Bounded: the whole run aborts after DEADLINE_MS.
 *
 * Environment: BENCH_ROOMS (200), BENCH_CHAINS (25), BENCH_IDLE (10000).
 *
 * Scale-out mode: BENCH_INSTANCES=N (N > 1) starts a private redis-server on
 * an ephemeral port and N server processes sharing it (BENCH_REDIS=1 does the
 * same with one instance, to see the Redis cost alone). Rooms are created
 * round-robin over the instances, and the two members of each room connect
 * to different instances, so every chain crosses instances through Redis
 * (BENCH_CROSS=0 keeps both members of a room on one instance instead).
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { startSignalingServer } from "../signaling-server/src/index.js";
import { parseRedisUrl } from "../signaling-server/src/redis/redis-connection.js";
import { RedisScaleOut } from "../signaling-server/src/redis/redis-scale-out.js";
import { startRedisServer } from "../test/helpers/redis-server.js";

const ROOMS = Number(process.env.BENCH_ROOMS ?? 200);
const CHAINS = Number(process.env.BENCH_CHAINS ?? 25);
const IDLE = Number(process.env.BENCH_IDLE ?? 10_000);
const INSTANCES = Math.max(1, Number(process.env.BENCH_INSTANCES ?? 1));
const USE_REDIS = INSTANCES > 1 || process.env.BENCH_REDIS === "1";
const CROSS_INSTANCES = process.env.BENCH_CROSS !== "0";
const DEADLINE_MS = 240_000;
const OPEN_CONCURRENCY = 200;
/** Relative to the working directory, which npm sets to the package root. */
const RESULTS_FILE = USE_REDIS
  ? `bench/signaling-load.redis-${INSTANCES}${CROSS_INSTANCES ? "" : "-local"}.results.json`
  : "bench/signaling-load.results.json";

const SDP = `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n${"a=x-padding:0123456789abcdef0123456789abcdef\r\n".repeat(60)}`;
const CANDIDATES = Array.from({ length: 4 }, (_, i) => ({
  candidate: `candidate:${i} 1 UDP 2122260223 127.0.0.1 ${50_000 + i} typ host generation 0`,
  sdpMid: "0",
  sdpMLineIndex: 0,
}));

type Frame = { type?: string; replyId?: string; id?: string; payload?: unknown };

// ---- server role ------------------------------------------------------------

async function serverRole(): Promise<void> {
  const redisUrl = process.env.BENCH_REDIS_URL;
  const scaleOut = redisUrl
    ? await RedisScaleOut.connect({ target: parseRedisUrl(redisUrl) })
    : undefined;
  const server = await startSignalingServer({
    host: "127.0.0.1",
    port: 0,
    ...scaleOut?.serverOptions(),
    limits: {
      maxConnections: IDLE + 2 * ROOMS + 100,
      maxConnectionsPerIp: IDLE + 2 * ROOMS + 100,
      roomCreationsPerIpPerMinute: 1_000_000,
      maxRooms: 1_000_000,
      framesPerSecond: 1_000_000,
      frameBurst: 1_000_000,
    },
  });
  await scaleOut?.register({
    webSocketUri: server.url.replace(/^http/, "ws"),
    connections: () => server.metrics.value("kad_connections_open"),
  });
  const send = (message: unknown) => process.send?.(message);
  process.on("message", (message: { cmd: string }) => {
    if (message.cmd === "memory") {
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      send({ cmd: "memory", rss, heapUsed, open: server.metrics.value("kad_connections_open") });
    } else if (message.cmd === "cpu") {
      const { user, system } = process.cpuUsage();
      send({ cmd: "cpu", micros: user + system });
    } else if (message.cmd === "stop") {
      server
        .close()
        .then(() => scaleOut?.close())
        .then(() => process.exit(0));
    }
  });
  send({ cmd: "ready", url: server.url });
}

// ---- client side ------------------------------------------------------------

class Client {
  private readonly waiting = new Map<string, (frame: Frame) => void>();
  private readonly queue: Frame[] = [];
  private readonly takers: Array<(frame: Frame) => void> = [];

  constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      const waiter = frame.replyId ? this.waiting.get(frame.replyId) : undefined;
      if (waiter && frame.replyId) {
        this.waiting.delete(frame.replyId);
        waiter(frame);
      } else if (frame.type === "initiate") {
        const taker = this.takers.shift();
        if (taker) taker(frame);
        else this.queue.push(frame);
      }
    });
  }

  static open(url: string): Promise<Client> {
    const socket = new WebSocket(url, ["signaling"], { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      socket.once("open", () => resolve(new Client(socket)));
      socket.once("error", reject);
    });
  }

  /** Sends a frame with a fresh id and resolves with its reply. */
  ask(frame: Frame): Promise<Frame> {
    const id = randomUUID();
    const reply = new Promise<Frame>((resolve) => this.waiting.set(id, resolve));
    this.socket.send(JSON.stringify({ ...frame, id }));
    return reply;
  }

  tell(frame: Frame): void {
    this.socket.send(JSON.stringify(frame));
  }

  nextInitiate(): Promise<Frame> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.takers.push(resolve));
  }
}

async function createRoom(base: string, roomname: string): Promise<string> {
  const response = await fetch(`${base}/rooms`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: "bench", roomname }),
  });
  if (response.status !== 201) throw new Error(`POST /rooms: ${response.status}`);
  return (await response.json()) as string;
}

/**
 * Creates a room and joins two clients; returns [initiator, responder, responder's id].
 * With several instances, the responder joins through the instance after the initiator's.
 */
async function pair(bases: string[], index: number): Promise<[Client, Client, string]> {
  const roomname = `bench-${randomUUID().slice(0, 18)}`;
  const wsUrl = await createRoom(bases[index % bases.length] as string, roomname);
  const wsUrls = bases.map((base) => base.replace(/^http/, "ws"));
  const next = CROSS_INSTANCES
    ? (wsUrls[(wsUrls.indexOf(wsUrl) + 1) % wsUrls.length] ?? wsUrl)
    : wsUrl;
  const [a, b] = await Promise.all([Client.open(wsUrl), Client.open(next)]);
  await a.ask({ type: "connect", payload: { username: "a", roomname } });
  await b.ask({ type: "connect", payload: { username: "b", roomname } });
  const users = (await a.ask({ type: "users", payload: {} })).payload as Array<{ id: string }>;
  return [a, b, users[0]?.id as string];
}

/** The responder side: answers every initiate, then sends its candidates. */
function respond(b: Client): void {
  const loop = async () => {
    for (;;) {
      const offer = await b.nextInitiate();
      const step6 = await b.ask({ replyId: offer.id, payload: { type: "answer", sdp: SDP } });
      b.tell({ replyId: step6.id, payload: CANDIDATES });
    }
  };
  loop().catch(() => {});
}

/** One full 8-step chain from the initiator's side; resolves with its duration in ms. */
async function chain(a: Client, target: string): Promise<number> {
  const started = performance.now();
  const answer = await a.ask({
    type: "initiate",
    payload: { id: target, offerSDP: { type: "offer", sdp: SDP } },
  });
  const last = await a.ask({ replyId: answer.id, payload: CANDIDATES });
  if (!Array.isArray(last.payload))
    throw new Error(`chain failed: ${JSON.stringify(last.payload)}`);
  return performance.now() - started;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function inBatches<T>(count: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += OPEN_CONCURRENCY) {
    const batch = Array.from({ length: Math.min(OPEN_CONCURRENCY, count - start) }, (_, i) =>
      task(start + i),
    );
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

async function throughput(bases: string[]) {
  const pairs = await inBatches(ROOMS, (i) => pair(bases, i));
  for (const [, b] of pairs) respond(b);
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    pairs.map(async ([a, , target]) => {
      for (let i = 0; i < CHAINS; i += 1) latencies.push(await chain(a, target));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const [a, b] of pairs) {
    a.socket.terminate();
    b.socket.terminate();
  }
  latencies.sort((x, y) => x - y);
  return {
    chains: latencies.length,
    initiatesPerSecond: Math.round(latencies.length / seconds),
    p50Ms: Number(percentile(latencies, 50).toFixed(2)),
    p99Ms: Number(percentile(latencies, 99).toFixed(2)),
  };
}

function ask(server: ChildProcess, cmd: string): Promise<Record<string, number>> {
  return new Promise((resolve) => {
    const onMessage = (message: { cmd: string }) => {
      if (message.cmd !== cmd) return;
      server.off("message", onMessage);
      resolve(message as unknown as Record<string, number>);
    };
    server.on("message", onMessage);
    server.send({ cmd });
  });
}

/**
 * CPU time used so far by every server process and by Redis. Unlike
 * initiates/s, it barely depends on what else the machine is running, so it
 * tells what one instance costs even on a busy two-core box.
 */
async function cpuMicros(servers: ChildProcess[], redisUrl: string | undefined) {
  const all = await Promise.all(servers.map((server) => ask(server, "cpu")));
  let redis = 0;
  if (redisUrl) {
    const { Redis } = await import("ioredis");
    const client = new Redis(redisUrl);
    const info = await client.info("cpu");
    client.disconnect();
    const seconds = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    redis = (seconds("used_cpu_user") + seconds("used_cpu_sys")) * 1e6;
  }
  return { servers: all.reduce((sum, entry) => sum + (entry.micros ?? 0), 0), redis };
}

function perInitiateMs(micros: number, initiates: number): number {
  return Number((micros / 1000 / initiates).toFixed(3));
}

/** Memory figures summed over every server process. */
async function memoryOf(servers: ChildProcess[]): Promise<Record<string, number>> {
  const all = await Promise.all(servers.map((server) => ask(server, "memory")));
  const sum = (key: string) => all.reduce((total, entry) => total + (entry[key] ?? 0), 0);
  return { rss: sum("rss"), heapUsed: sum("heapUsed"), open: sum("open") };
}

async function idleMemory(bases: string[], servers: ChildProcess[]) {
  // Wait until the throughput phase's sockets are gone on the server too.
  let before = await memoryOf(servers);
  while ((before.open ?? 0) > 0) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    before = await memoryOf(servers);
  }
  const pairs = await inBatches(IDLE / 2, (i) => pair(bases, i));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = await memoryOf(servers);
  for (const [a, b] of pairs) {
    a.socket.terminate();
    b.socket.terminate();
  }
  const connections = (after.open ?? 0) - (before.open ?? 0);
  return {
    connections,
    rssBeforeMiB: Number(((before.rss ?? 0) / 2 ** 20).toFixed(1)),
    rssAfterMiB: Number(((after.rss ?? 0) / 2 ** 20).toFixed(1)),
    rssPerConnectionKiB: Number(
      (((after.rss ?? 0) - (before.rss ?? 0)) / connections / 1024).toFixed(2),
    ),
    heapPerConnectionKiB: Number(
      (((after.heapUsed ?? 0) - (before.heapUsed ?? 0)) / connections / 1024).toFixed(2),
    ),
  };
}

async function main(): Promise<void> {
  const redis = USE_REDIS ? await startRedisServer() : undefined;
  const servers = Array.from({ length: INSTANCES }, () =>
    fork(fileURLToPath(import.meta.url), ["server"], {
      execArgv: ["--expose-gc"],
      env: { ...process.env, ...(redis ? { BENCH_REDIS_URL: redis.url } : {}) },
    }),
  );
  const deadline = setTimeout(() => {
    process.stderr.write(`bench: aborted after ${DEADLINE_MS / 1000} s\n`);
    for (const server of servers) server.kill("SIGKILL");
    redis?.dispose().finally(() => process.exit(1));
  }, DEADLINE_MS);
  const bases = await Promise.all(
    servers.map(async (server) => {
      const ready = (await ask(server, "ready")) as unknown as { url: string };
      return ready.url;
    }),
  );
  const where = redis ? `${INSTANCES} instance(s) on Redis` : "in-memory";
  process.stderr.write(
    `bench: servers at ${bases.join(", ")} (${where}); ${ROOMS} rooms x ${CHAINS} chains, then ${IDLE} idle connections\n`,
  );
  const cpuBefore = await cpuMicros(servers, redis?.url);
  const load = await throughput(bases);
  const cpuAfter = await cpuMicros(servers, redis?.url);
  const cpu = {
    serverCpuMsPerInitiate: perInitiateMs(cpuAfter.servers - cpuBefore.servers, load.chains),
    redisCpuMsPerInitiate: perInitiateMs(cpuAfter.redis - cpuBefore.redis, load.chains),
  };
  process.stdout.write(
    `initiate chains: ${load.chains} in parallel rooms: ${load.initiatesPerSecond} initiates/s, p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms\n`,
  );
  process.stdout.write(
    `CPU per initiate: servers ${cpu.serverCpuMsPerInitiate} ms (all instances), Redis ${cpu.redisCpuMsPerInitiate} ms\n`,
  );
  const idle = await idleMemory(bases, servers);
  process.stdout.write(
    `idle connections: ${idle.connections}: server RSS ${idle.rssBeforeMiB} -> ${idle.rssAfterMiB} MiB, ${idle.rssPerConnectionKiB} KiB RSS and ${idle.heapPerConnectionKiB} KiB heap per connection\n`,
  );
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAverage1m: Number(loadavg()[0]?.toFixed(2)),
    instances: INSTANCES,
    crossInstances: INSTANCES > 1 && CROSS_INSTANCES,
    store: redis ? "redis" : "memory",
    rooms: ROOMS,
    chainsPerRoom: CHAINS,
    ...load,
    ...cpu,
    idle,
  };
  await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  await Promise.all(
    servers.map(
      (server) =>
        new Promise((resolve) => {
          server.once("exit", resolve);
          server.send({ cmd: "stop" });
        }),
    ),
  );
  await redis?.dispose();
  clearTimeout(deadline);
}

if (process.argv[2] === "server") {
  serverRole().catch((error: unknown) => {
    process.stderr.write(`bench server: ${String(error)}\n`);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
