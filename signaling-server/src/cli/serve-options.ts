/**
 * The options of `kad serve` and `kad-signaling-server`, declared once.
 * Resolved flag > environment > default. This file stays light (no server
 * imports) so `kad --help` does not load the server.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { KadError } from "../../../src/util/errors.js";
import {
  parseClusterSeeds,
  parseRedisUrl,
  type RedisTarget,
  withPassword,
} from "../redis/redis-connection.js";
import type { TurnSettings } from "../turn/turn-credentials.js";
import {
  LIMIT_NAMES,
  type LimitOverrides,
  parseLimitList,
  parseLimitOverride,
} from "./limit-overrides.js";
import { addTurnOptions, type RawTurnOptions, resolveTurnSettings } from "./turn-options.js";

export const DEFAULT_SERVE_PORT = 9891;
export const DEFAULT_SERVE_HOST = "0.0.0.0";
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export interface ServeConfig {
  host: string;
  port: number;
  publicUrl: string | undefined;
  allowOrigins: string[];
  webRoot: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  json: boolean;
  /** Behind one reverse proxy: limits per X-Forwarded-For client, wss:// from X-Forwarded-Proto. */
  trustProxy: boolean;
  /** Server limits to change from their defaults. */
  limits: LimitOverrides;
  /** Shared Redis (standalone or Cluster) for running several instances; unset = in-memory. */
  redis: RedisTarget | undefined;
  /** coturn shared secret and URLs; unset = no TURN handed out. */
  turn: TurnSettings | undefined;
}

/** Wraps help text at `width` columns. */
function wrapWords(text: string, width = 78): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line].join("\n");
}

const SERVE_HELP = `
Serves the kamelladjutant rooms API (POST /rooms, GET /rooms/:name), the
signaling WebSocket (subprotocol "signaling") and kad's web page, plus
GET /healthz and GET /metrics (Prometheus). Logs are JSON lines on stderr.

Environment: KAD_SERVE_HOST, KAD_SERVE_PORT, KAD_PUBLIC_URL,
KAD_ALLOW_ORIGINS (comma-separated), KAD_LOG_LEVEL, KAD_TRUST_PROXY=1,
KAD_LIMITS (name=value,...), KAD_REDIS_URL, KAD_REDIS_CLUSTER,
KAD_REDIS_PASSWORD (kept out of argv and ps), KAD_TURN_URLS (comma-separated),
KAD_TURN_SECRET or KAD_TURN_SECRET_FILE, KAD_TURN_TTL. Flags win.

${wrapWords(`Limits for --limit name=value (defaults in the README): ${LIMIT_NAMES.join(", ")}.`)}

Scale-out: start any number of instances with the same --redis (or
--redis-cluster); each registers itself with its --public-url, POST /rooms
hands out the least-loaded live one, and members of one room may sit on
different instances. Without Redis, rooms live in this process's memory.

Examples:
  kad serve                                   # LAN: http://<this machine>:9891
  kad serve --host 127.0.0.1 --port 0 --json  # local, ephemeral port, event on stdout
  kad serve --public-url https://kad.example.org --allow-origin https://kad.example.org
  kad serve --redis redis://10.0.0.5:6379 --public-url https://signal-1.example.org
  kad serve --turn-url turn:turn.example.org:3478 --turn-secret-file /etc/kad/turn-secret`;

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError("must be a port number from 0 to 65535");
  }
  return port;
}

function parseHttpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("must be an http:// or https:// URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidArgumentError("must be an http:// or https:// URL");
  }
  return value;
}

function parseOrigin(value: string, previous: string[] | undefined): string[] {
  const url = (() => {
    try {
      return new URL(value);
    } catch {
      return undefined;
    }
  })();
  if (!url || url.origin !== value.replace(/\/$/, "") || url.origin === "null") {
    throw new InvalidArgumentError(
      "must be an origin like https://example.org (scheme, host, port)",
    );
  }
  return [...(previous ?? []), url.origin];
}

export function addServeOptions(command: Command): Command {
  const core = command
    .option("--host <address>", `interface to listen on (default: ${DEFAULT_SERVE_HOST})`)
    .option(
      "--port <number>",
      `port to listen on, 0 for any free one (default: ${DEFAULT_SERVE_PORT})`,
      parsePort,
    )
    .option(
      "--public-url <url>",
      "base URL clients reach this server at; POST /rooms answers its ws(s):// form (default: from the request's Host)",
      parseHttpUrl,
    )
    .option(
      "--allow-origin <origin...>",
      "allow these browser origins (CORS and WebSocket); repeatable (default: any origin)",
      parseOrigin,
    )
    .option(
      "--web-root <dir>",
      "directory of the web page to serve at / (default: the bundled page)",
    )
    .addOption(new Option("--log-level <level>", "log level on stderr").choices(LOG_LEVELS))
    .option("--json", "print the listening event as a JSON line on stdout")
    .option(
      "--trust-proxy",
      "behind one reverse proxy: count limits per X-Forwarded-For client and honour X-Forwarded-Proto (never when clients can reach the server directly)",
    )
    .option(
      "--limit <name=value>",
      "change one server limit, e.g. maxConnectionsPerIp=256; repeatable (names below)",
      parseLimitOverride,
    )
    .addOption(
      new Option(
        "--redis <url>",
        "share rooms with other instances through this Redis (redis:// or rediss:// URL)",
      )
        .argParser(asOptionParser(parseRedisUrl))
        .conflicts("redisCluster"),
    )
    .option(
      "--redis-cluster <host:port,...>",
      "like --redis, on a Redis Cluster reached through these seed nodes (rediss://host:port for TLS)",
      asOptionParser(parseClusterSeeds),
    );
  return addTurnOptions(core).addHelpText("after", SERVE_HELP);
}

/** Commander shows InvalidArgumentError messages next to the option name. */
function asOptionParser<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

function redisFromEnv(env: NodeJS.ProcessEnv): RedisTarget | undefined {
  const url = fromEnv("KAD_REDIS_URL", env.KAD_REDIS_URL, parseRedisUrl);
  const cluster = fromEnv("KAD_REDIS_CLUSTER", env.KAD_REDIS_CLUSTER, parseClusterSeeds);
  if (url && cluster)
    throw new KadError("USAGE", "set KAD_REDIS_URL or KAD_REDIS_CLUSTER, not both");
  return url ?? cluster;
}

function withRedisPassword(target: RedisTarget | undefined, env: NodeJS.ProcessEnv) {
  return target && withPassword(target, env.KAD_REDIS_PASSWORD);
}

interface RawServeOptions extends RawTurnOptions {
  host?: string;
  port?: number;
  publicUrl?: string;
  allowOrigin?: string[];
  webRoot?: string;
  logLevel?: ServeConfig["logLevel"];
  json?: boolean;
  trustProxy?: boolean;
  limit?: LimitOverrides;
  redis?: RedisTarget;
  redisCluster?: RedisTarget;
}

function parseFlag(text: string): boolean {
  if (["1", "true", "yes"].includes(text)) return true;
  if (["0", "false", "no"].includes(text)) return false;
  throw new InvalidArgumentError("must be 1 or 0");
}

/** Parses an environment variable, naming it in the error. */
function fromEnv<T>(
  name: string,
  value: string | undefined,
  parse: (text: string) => T,
): T | undefined {
  if (value === undefined || value === "") return undefined;
  try {
    return parse(value);
  } catch (error) {
    throw new KadError("USAGE", `${name} ${(error as Error).message}`);
  }
}

/** Applies environment variables and defaults; throws a USAGE KadError on a bad variable. */
export function resolveServeConfig(
  raw: RawServeOptions,
  env: NodeJS.ProcessEnv,
  defaultWebRoot: string | undefined,
): ServeConfig {
  const envOrigins = fromEnv("KAD_ALLOW_ORIGINS", env.KAD_ALLOW_ORIGINS, (text) =>
    text
      .split(",")
      .map((origin) => origin.trim())
      .filter(Boolean)
      .reduce<string[]>((all, origin) => parseOrigin(origin, all), []),
  );
  const envLevel = fromEnv("KAD_LOG_LEVEL", env.KAD_LOG_LEVEL, (text) => {
    const level = LOG_LEVELS.find((candidate) => candidate === text);
    if (!level) throw new InvalidArgumentError(`must be one of ${LOG_LEVELS.join(", ")}`);
    return level;
  });
  const config: ServeConfig = {
    host: raw.host ?? (env.KAD_SERVE_HOST || DEFAULT_SERVE_HOST),
    port:
      raw.port ?? fromEnv("KAD_SERVE_PORT", env.KAD_SERVE_PORT, parsePort) ?? DEFAULT_SERVE_PORT,
    publicUrl: raw.publicUrl ?? fromEnv("KAD_PUBLIC_URL", env.KAD_PUBLIC_URL, parseHttpUrl),
    allowOrigins: raw.allowOrigin ?? envOrigins ?? [],
    webRoot: raw.webRoot ?? defaultWebRoot,
    logLevel: raw.logLevel ?? envLevel ?? "info",
    json: raw.json ?? false,
    trustProxy:
      raw.trustProxy ?? fromEnv("KAD_TRUST_PROXY", env.KAD_TRUST_PROXY, parseFlag) ?? false,
    limits: {
      ...fromEnv("KAD_LIMITS", env.KAD_LIMITS, parseLimitList),
      ...raw.limit,
    },
    redis: withRedisPassword(raw.redis ?? raw.redisCluster ?? redisFromEnv(env), env),
    turn: resolveTurnSettings(raw, env),
  };
  requirePublicUrlForScaleOut(config);
  return config;
}

/**
 * Other instances hand this instance's URL to clients, so it must be one they
 * can reach: guessing it from a wildcard listen address would hand out
 * 127.0.0.1 to the whole network.
 */
function requirePublicUrlForScaleOut(config: ServeConfig): void {
  if (!config.redis || config.publicUrl) return;
  if (/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(config.host)) return;
  throw new KadError("USAGE", "--redis and --redis-cluster need --public-url", {
    hint: "give each instance the URL clients reach it at, e.g. --public-url https://signal-1.example.org",
  });
}
