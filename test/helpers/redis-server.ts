/**
 * Real `redis-server` processes for tests: standalone servers and a
 * three-master Redis Cluster, each on ephemeral loopback ports in a temporary
 * directory, with nothing persisted. Every process is stopped by `stop()`, and
 * killed anyway if the test process exits first.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

const HOST = "127.0.0.1";
/** How often a port collision with another process is retried. */
const MAX_START_ATTEMPTS = 5;
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const CLUSTER_READY_TIMEOUT_MS = 20_000;
/** Redis Cluster talks on a bus port at this offset from the client port. */
const CLUSTER_BUS_PORT_OFFSET = 10_000;
const HIGHEST_PORT = 65_535;

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  /** Whether the process is up right now. */
  readonly isRunning: boolean;
  /** Stops the process gracefully (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the process abruptly (SIGKILL), like a crash, and waits for it to exit. */
  kill(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open but nothing answers. */
  pause(): void;
  /** Thaws a paused process (SIGCONT). */
  resume(): void;
  /** Starts the process again on the same port (empty: nothing is persisted). */
  start(): Promise<void>;
  /** Stops the process for good and removes its directory. */
  dispose(): Promise<void>;
}

export interface RedisServerOptions {
  /** Extra `redis-server` arguments, e.g. `["--cluster-enabled", "yes"]`. */
  extraArgs?: string[];
  /** Also keep `port + 10000` free (the Redis Cluster bus port). */
  needsBusPort?: boolean;
  /** Serve TLS only (`rediss://`), with these files. */
  tls?: TlsFiles;
}

export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Starts a standalone `redis-server` on a free loopback port. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), "kad-redis-"));
  for (let attempt = 1; ; attempt++) {
    const port = await pickFreePort(options.needsBusPort ?? false);
    const server = new ManagedRedisServer(port, dir, options.extraArgs ?? [], options.tls);
    try {
      await server.start();
      return server;
    } catch (error) {
      const collided = error instanceof PortInUseError;
      if (!collided || attempt >= MAX_START_ATTEMPTS) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

export interface RedisCluster {
  readonly masters: RedisServer[];
  /** Seed nodes as `host:port` strings, as `kad serve --redis-cluster` takes them. */
  readonly seeds: string[];
  stop(): Promise<void>;
}

/** Starts `masterCount` cluster-enabled servers and joins them into one cluster without replicas. */
export async function startRedisCluster(masterCount = 3, tls?: TlsFiles): Promise<RedisCluster> {
  const clusterArgs = ["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"];
  if (tls) clusterArgs.push("--tls-cluster", "yes");
  const cliArgs = tls ? ["--tls", "--cacert", tls.caFile] : [];
  const masters: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(masters.map((master) => master.dispose()));
  };
  try {
    for (let i = 0; i < masterCount; i++) {
      masters.push(await startRedisServer({ extraArgs: clusterArgs, needsBusPort: true, tls }));
    }
    const seeds = masters.map((master) => `${HOST}:${master.port}`);
    await execFileAsync(
      "redis-cli",
      [...cliArgs, "--cluster", "create", ...seeds, "--cluster-replicas", "0", "--cluster-yes"],
      { timeout: CLUSTER_READY_TIMEOUT_MS },
    );
    await Promise.all(masters.map((master) => waitForClusterOk(master.port, cliArgs)));
    return { masters, seeds, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

class PortInUseError extends Error {}

class ManagedRedisServer implements RedisServer {
  readonly url: string;
  private child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly extraArgs: string[],
    private readonly tls: TlsFiles | undefined,
  ) {
    this.url = `${tls ? "rediss" : "redis"}://${HOST}:${port}`;
  }

  get isRunning(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const portArgs = this.tls
      ? [
          ...["--port", "0", "--tls-port", String(this.port), "--tls-auth-clients", "no"],
          ...["--tls-cert-file", this.tls.certFile, "--tls-key-file", this.tls.keyFile],
          ...["--tls-ca-cert-file", this.tls.caFile],
        ]
      : ["--port", String(this.port)];
    const args = [
      ...portArgs,
      "--bind",
      HOST,
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      this.dir,
      "--logfile",
      "",
      "--protected-mode",
      "no",
      ...this.extraArgs,
    ];
    const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    child.once("exit", () => {
      running.delete(child);
      if (this.child === child) this.child = undefined;
    });
    try {
      await waitForReady(child);
      this.child = child;
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
  }

  stop(): Promise<void> {
    return this.terminate("SIGTERM");
  }

  pause(): void {
    this.child?.kill("SIGSTOP");
  }

  resume(): void {
    this.child?.kill("SIGCONT");
  }

  kill(): Promise<void> {
    return this.terminate("SIGKILL");
  }

  async dispose(): Promise<void> {
    await this.terminate("SIGKILL");
    await rm(this.dir, { recursive: true, force: true });
  }

  private async terminate(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGCONT");
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** Resolves once the server logs that it accepts connections; rejects if it exits first. */
function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`redis-server did not become ready in time:\n${log}`));
    }, READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("Ready to accept connections")) {
        cleanup();
        resolve();
      }
    };
    const onExit = () => {
      cleanup();
      const inUse = /address already in use/i.test(log);
      reject(inUse ? new PortInUseError(log) : new Error(`redis-server exited early:\n${log}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      // Keep draining so a chatty server never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}

/** Binds port 0 on loopback and releases it; with `needsBusPort`, also checks port + 10000. */
async function pickFreePort(needsBusPort: boolean): Promise<number> {
  for (;;) {
    const port = await bindAndRelease(0);
    if (!needsBusPort) return port;
    const busPort = port + CLUSTER_BUS_PORT_OFFSET;
    if (busPort > HIGHEST_PORT) continue;
    if ((await bindAndRelease(busPort).catch(() => undefined)) !== undefined) return port;
  }
}

function bindAndRelease(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, HOST, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not read the bound port"));
      });
    });
  });
}

async function waitForClusterOk(port: number, cliArgs: string[]): Promise<void> {
  const deadline = Date.now() + CLUSTER_READY_TIMEOUT_MS;
  for (;;) {
    const { stdout } = await execFileAsync("redis-cli", [
      ...cliArgs,
      "-h",
      HOST,
      "-p",
      String(port),
      "cluster",
      "info",
    ]);
    if (stdout.includes("cluster_state:ok")) return;
    if (Date.now() > deadline)
      throw new Error(`cluster node ${port} never reported cluster_state:ok`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
