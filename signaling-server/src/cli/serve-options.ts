/**
 * The options of `kad serve` and `kad-signaling-server`, declared once.
 * Resolved flag > environment > default. This file stays light (no server
 * imports) so `kad --help` does not load the server.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { KadError } from "../../../src/util/errors.js";

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
}

export const SERVE_HELP = `
Serves the kamelladjutant rooms API (POST /rooms, GET /rooms/:name), the
signaling WebSocket (subprotocol "signaling") and kad's web page, plus
GET /healthz and GET /metrics (Prometheus). Logs are JSON lines on stderr.

Environment: KAD_SERVE_HOST, KAD_SERVE_PORT, KAD_PUBLIC_URL,
KAD_ALLOW_ORIGINS (comma-separated), KAD_LOG_LEVEL. Flags win.

Examples:
  kad serve                                   # LAN: http://<this machine>:9891
  kad serve --host 127.0.0.1 --port 0 --json  # local, ephemeral port, event on stdout
  kad serve --public-url https://kad.example.org --allow-origin https://kad.example.org`;

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
  return command
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
      "--allow-origin <origin>",
      "allow this browser origin (CORS and WebSocket); repeatable (default: any origin)",
      parseOrigin,
    )
    .option(
      "--web-root <dir>",
      "directory of the web page to serve at / (default: the bundled page)",
    )
    .addOption(new Option("--log-level <level>", "log level on stderr").choices(LOG_LEVELS))
    .option("--json", "print the listening event as a JSON line on stdout")
    .addHelpText("after", SERVE_HELP);
}

interface RawServeOptions {
  host?: string;
  port?: number;
  publicUrl?: string;
  allowOrigin?: string[];
  webRoot?: string;
  logLevel?: ServeConfig["logLevel"];
  json?: boolean;
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
  return {
    host: raw.host ?? (env.KAD_SERVE_HOST || DEFAULT_SERVE_HOST),
    port:
      raw.port ?? fromEnv("KAD_SERVE_PORT", env.KAD_SERVE_PORT, parsePort) ?? DEFAULT_SERVE_PORT,
    publicUrl: raw.publicUrl ?? fromEnv("KAD_PUBLIC_URL", env.KAD_PUBLIC_URL, parseHttpUrl),
    allowOrigins: raw.allowOrigin ?? envOrigins ?? [],
    webRoot: raw.webRoot ?? defaultWebRoot,
    logLevel: raw.logLevel ?? envLevel ?? "info",
    json: raw.json ?? false,
  };
}
