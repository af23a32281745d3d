/**
 * Runs the signaling server in the foreground until SIGINT or SIGTERM: JSON
 * logs on stderr, one "listening" line (or --json event on stdout), and a
 * clean shutdown (WebSockets closed with 1001, in-flight HTTP finished).
 */
import { existsSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { fileURLToPath } from "node:url";
import { KadError } from "../../../src/util/errors.js";
import { requireExternal } from "../../../src/util/external-module.js";
import { toWebSocketUri } from "../instance-picker.js";
import type { Logger } from "../observability/logger.js";
import type { RedisTarget } from "../redis/redis-connection.js";
import { startSignalingServer } from "../start-server.js";
import { SharedSecretTurnIssuer } from "../turn/turn-credentials.js";
import type { ServeConfig } from "./serve-options.js";

/** The web page bundled next to the built server (dist/web), when it was built. */
export function bundledWebRoot(): string | undefined {
  const dir = fileURLToPath(new URL("./web/", import.meta.url));
  return existsSync(dir) ? dir : undefined;
}

export async function runServer(config: ServeConfig): Promise<void> {
  const { pino } = requireExternal("pino") as typeof import("pino");
  const logger = pino(
    { level: config.logLevel, base: { service: "kad-signaling" } },
    pino.destination(2),
  );
  const scaleOut = config.redis ? await connectScaleOut(config.redis, logger) : undefined;
  // Listen for signals before announcing anything, so an early Ctrl-C still shuts down cleanly.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  let server: Awaited<ReturnType<typeof startSignalingServer>>;
  try {
    server = await startSignalingServer({
      host: config.host,
      port: config.port,
      publicUrl: config.publicUrl,
      allowOrigins: config.allowOrigins,
      webRoot: config.webRoot,
      trustProxy: config.trustProxy,
      limits: config.limits,
      logger,
      ...(config.turn ? { turn: new SharedSecretTurnIssuer(config.turn) } : {}),
      ...scaleOut?.serverOptions(),
    });
  } catch (error) {
    await scaleOut?.close();
    throw listenError(error, config);
  }
  const wsUrl = server.url.replace(/^http/, "ws");
  await scaleOut?.register({
    webSocketUri: config.publicUrl ? toWebSocketUri(config.publicUrl) : wsUrl,
    connections: () => server.metrics.value("kad_connections_open"),
    metrics: server.metrics,
  });
  if (config.json) {
    const event = {
      event: "listening",
      url: server.url,
      webSocketUrl: wsUrl,
      publicUrl: config.publicUrl ?? null,
    };
    process.stdout.write(`${JSON.stringify(event)}\n`);
  } else {
    const reach = config.publicUrl ? [config.publicUrl] : otherAddresses(config.host, server.port);
    const shown = reach.length > 0 ? ` (reach it at ${reach.join(", ")})` : "";
    process.stderr.write(`kad serve: listening on ${server.url}${shown}; Ctrl-C stops\n`);
  }
  if (!config.webRoot) logger.warn("no web page to serve (build it with npm run build); API only");
  const signal = await stopSignal;
  logger.info({ signal }, "shutting down");
  // A second signal means "now": skip the grace period.
  const force = () => process.exit(130);
  process.once("SIGINT", force);
  process.once("SIGTERM", force);
  await server.close();
  await scaleOut?.close();
  logger.flush();
}

/** For a wildcard host, the LAN URLs other machines can use (server.url shows loopback). */
function otherAddresses(host: string, port: number): string[] {
  if (host !== "0.0.0.0" && host !== "::") return [];
  return Object.values(networkInterfaces())
    .flat()
    .filter((address) => address && !address.internal && address.family === "IPv4")
    .map((address) => `http://${address?.address}:${port}`);
}

/** Redis support is loaded only when asked for, so the in-memory default never pays for it. */
async function connectScaleOut(target: RedisTarget, logger: Logger) {
  const { RedisScaleOut } = await import("../redis/redis-scale-out.js");
  return RedisScaleOut.connect({ target, logger });
}

function listenError(error: unknown, config: ServeConfig): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") {
    return new KadError("USAGE", `port ${config.port} on ${config.host} is already in use`, {
      hint: "pick another with --port, or --port 0 for any free one",
    });
  }
  if (code === "EADDRNOTAVAIL" || code === "EACCES") {
    return new KadError("USAGE", `cannot listen on ${config.host}:${config.port} (${code})`, {
      hint: "check --host and --port",
    });
  }
  return error;
}
