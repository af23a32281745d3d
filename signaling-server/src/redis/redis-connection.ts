/**
 * Connections to Redis, standalone or Cluster, configured so that an outage
 * shows up as fast, clear command failures (which the server turns into 503 /
 * INTERNAL_ERROR) while the client keeps reconnecting in the background.
 */
import type { Cluster, Redis } from "ioredis";
import { KadError } from "../../../src/util/errors.js";
import { requireExternal } from "../../../src/util/external-module.js";

export type RedisClient = Redis | Cluster;

export interface RedisNodeAddress {
  host: string;
  port: number;
}

export type RedisTarget = (
  | { kind: "standalone"; url: string }
  | { kind: "cluster"; seeds: RedisNodeAddress[]; tls: boolean }
) & {
  /** From KAD_REDIS_PASSWORD, so it never shows in `ps`; a password in the URL wins. */
  password?: string;
};

/** A command that gets no answer in this time fails instead of hanging a request. */
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;
export const REDIS_CONNECT_TIMEOUT_MS = 2_000;
/** Reconnect back-off grows to this ceiling and keeps trying forever. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 1_000;
/** How long startup waits for Redis before `kad serve` gives up. */
export const REDIS_STARTUP_TIMEOUT_MS = 10_000;

const MAX_SEEDS = 64;

/** Parses `--redis`: a `redis://` or `rediss://` URL. */
export function parseRedisUrl(text: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badRedisOption(`"${text}" is not a Redis URL`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw badRedisOption(`"${text}" is not a redis:// or rediss:// URL`);
  }
  return { kind: "standalone", url: text };
}

/**
 * Parses `--redis-cluster`: comma-separated `host:port` seed nodes, each
 * optionally `redis://host:port`, or `rediss://host:port` for TLS (all or none).
 */
export function parseClusterSeeds(text: string): RedisTarget {
  const parts = text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (parts.length === 0 || parts.length > MAX_SEEDS) {
    throw badRedisOption(`expected 1 to ${MAX_SEEDS} comma-separated host:port seed nodes`);
  }
  const schemes = new Set(parts.map((part) => /^(rediss?):\/\//.exec(part)?.[1] ?? "redis"));
  if (schemes.size > 1) throw badRedisOption("use rediss:// for all seed nodes or for none");
  const seeds = parts.map((part) => {
    const match = /^(.+):(\d{1,5})$/.exec(part.replace(/^rediss?:\/\//, ""));
    const port = Number(match?.[2]);
    if (!match?.[1] || port < 1 || port > 65_535) {
      throw badRedisOption(`"${part}" is not a host:port seed node`);
    }
    return { host: match[1].replace(/^\[(.*)\]$/, "$1"), port };
  });
  return { kind: "cluster", seeds, tls: schemes.has("rediss") };
}

/** Adds a password given apart from the address (KAD_REDIS_PASSWORD). */
export function withPassword(target: RedisTarget, password: string | undefined): RedisTarget {
  return password ? { ...target, password } : target;
}

function badRedisOption(message: string): KadError {
  return new KadError("USAGE", message, {
    hint: "e.g. --redis redis://127.0.0.1:6379 or --redis-cluster 10.0.0.1:7000,10.0.0.2:7000",
  });
}

function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 10), REDIS_MAX_RECONNECT_DELAY_MS);
}

/**
 * Opens a client. `onError` receives connection errors (ioredis would print
 * them otherwise); commands issued while Redis is down fail within
 * REDIS_COMMAND_TIMEOUT_MS rather than queueing forever.
 */
export async function createRedisClient(
  target: RedisTarget,
  onError: (error: Error) => void,
  /** On a Cluster: subscribe through one connection per shard (sharded pub/sub). */
  shardedSubscriber = false,
): Promise<RedisClient> {
  const { Cluster, Redis } = requireExternal("ioredis") as typeof import("ioredis");
  const common = {
    ...(target.password === undefined ? {} : { password: target.password }),
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
  };
  // Batches concurrent commands per node: many rooms, one round trip.
  const enableAutoPipelining = true;
  const client: RedisClient =
    target.kind === "standalone"
      ? new Redis(target.url, {
          ...common,
          ...urlPassword(target.url),
          // While disconnected, commands fail at once instead of queueing.
          enableOfflineQueue: false,
          enableAutoPipelining,
          retryStrategy: reconnectDelay,
          lazyConnect: true,
        })
      : new Cluster(target.seeds, {
          // TLS verifies each node against the trusted CAs (NODE_EXTRA_CA_CERTS adds one).
          redisOptions: target.tls ? { ...common, tls: {} } : common,
          enableAutoPipelining,
          // As for a single Redis: while the cluster is unreachable, fail at once
          // (its offline queue has no command timeout and would hang requests).
          enableOfflineQueue: false,
          shardedSubscribers: shardedSubscriber,
          clusterRetryStrategy: reconnectDelay,
          lazyConnect: true,
          slotsRefreshTimeout: REDIS_CONNECT_TIMEOUT_MS,
        });
  client.on("error", onError);
  if (target.kind === "cluster") client.on("node error", onError);
  return client;
}

/** Connects a lazily created client, failing with a clear error if Redis stays away. */
export async function connectRedisClient(client: RedisClient, target: RedisTarget): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${REDIS_STARTUP_TIMEOUT_MS} ms`)),
      REDIS_STARTUP_TIMEOUT_MS,
    );
  });
  // connect() rejects with a generic "Connection is closed"; the cause comes as an event.
  let lastError: Error | undefined;
  const remember = (error: Error) => {
    lastError = error;
  };
  client.on("error", remember);
  try {
    await Promise.race([client.connect().then(() => client.ping()), timeout]);
  } catch (error) {
    client.disconnect();
    const reason = (lastError ?? (error instanceof Error ? error : new Error(String(error))))
      .message;
    const where = describeTarget(target);
    throw new KadError("SERVER_UNREACHABLE", `cannot reach Redis at ${where}: ${reason}`, {
      hint: "check that Redis runs at that address, and KAD_REDIS_PASSWORD if it needs one",
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    client.off("error", remember);
  }
}

/** ioredis lets options override the URL; a password written in the URL must win. */
function urlPassword(text: string): { password?: string } {
  const password = new URL(text).password;
  return password ? { password: decodeURIComponent(password) } : {};
}

/** The target without credentials, for logs and error messages. */
export function describeTarget(target: RedisTarget): string {
  if (target.kind === "cluster") {
    return `cluster ${target.seeds.map((seed) => `${seed.host}:${seed.port}`).join(",")}`;
  }
  try {
    const url = new URL(target.url);
    url.username = "";
    url.password = "";
    return url.toString();
  } catch {
    return "redis";
  }
}
