/** Assembles the HTTP API, the WebSocket signaling and their collaborators into one listening server. */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { LocalSignalingBus } from "./bus/local-signaling-bus.js";
import { systemClock } from "./clock.js";
import { answerClientError } from "./http/client-errors.js";
import { ConnectionsPerIp } from "./http/connections-per-ip.js";
import { createHttpHandler } from "./http/http-handler.js";
import { OwnUrlPicker } from "./instance-picker.js";
import { Guards } from "./limits/guards.js";
import { DEFAULT_LIMITS } from "./limits/server-limits.js";
import { silentLogger } from "./observability/logger.js";
import { Metrics } from "./observability/metrics.js";
import type { RunningServer, ServerContext, SignalingServerOptions } from "./options.js";
import { MemoryRoomStore } from "./store/memory-room-store.js";
import { ConnectionRegistry } from "./ws/connection-registry.js";
import { createUpgradeHandler } from "./ws/upgrade.js";

export async function startSignalingServer(
  options: SignalingServerOptions = {},
): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  let boundPort = options.port ?? 0;
  const { context, owned } = createContext(options, () => hostPort(host, boundPort));
  const registry = new ConnectionRegistry(context);
  let closing = false;
  const server = createServer(httpServerOptions(context), createHttpHandler(context));
  const upgrade = createUpgradeHandler(context, registry, () => closing);
  const perIp = limitConnectionsPerIp(context, server);
  server.on("upgrade", (request, socket, head) => {
    perIp?.release(socket as Socket);
    upgrade(request, socket, head);
  });
  server.on("clientError", answerClientError);
  try {
    await listen(server, host, boundPort);
  } catch (error) {
    await registry.closeAll();
    await owned.close();
    throw error;
  }
  boundPort = (server.address() as AddressInfo).port;
  const url = `http://${hostPort(host, boundPort)}`;
  context.logger.info({ url, publicUrl: options.publicUrl }, "signaling server listening");

  let closed: Promise<void> | undefined;
  const close = () => {
    closing = true;
    closed ??= shutDown(context, server, registry).then(() => owned.close());
    return closed;
  };
  return { url, port: boundPort, metrics: context.metrics, close };
}

/** The shared context, plus the collaborators the server created itself and must close. */
function createContext(options: SignalingServerOptions, ownAddress: () => string) {
  const clock = options.clock ?? systemClock;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const ownStore = options.store
    ? undefined
    : new MemoryRoomStore({ clock, maxRooms: limits.maxRooms });
  const ownBus = options.bus ? undefined : new LocalSignalingBus();
  const context: ServerContext = {
    store: options.store ?? (ownStore as MemoryRoomStore),
    bus: options.bus ?? (ownBus as LocalSignalingBus),
    picker: options.picker ?? new OwnUrlPicker(options.publicUrl, ownAddress),
    clock,
    limits,
    logger: options.logger ?? silentLogger,
    metrics: new Metrics(),
    guards: new Guards(clock, limits),
    allowOrigins: options.allowOrigins?.length ? new Set(options.allowOrigins) : undefined,
    webRoot: options.webRoot,
    trustProxy: options.trustProxy ?? false,
    turn: options.turn,
  };
  if (ownStore) {
    context.metrics.defineComputed(
      "kad_rooms",
      "Live rooms in the embedded store.",
      () => ownStore.size,
    );
  }
  const owned = {
    close: async () => {
      await ownBus?.close();
      await ownStore?.close();
    },
  };
  return { context, owned };
}

/** Stops listening, closes every WebSocket with 1001, and lets in-flight HTTP requests finish. */
async function shutDown(context: ServerContext, server: Server, registry: ConnectionRegistry) {
  const httpDone = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await registry.closeAll();
  const { clock, limits } = context;
  const grace = clock.setTimeout(() => server.closeAllConnections(), limits.shutdownGraceMs);
  await httpDone;
  clock.clearTimeout(grace);
  context.logger.info("signaling server stopped");
}

/** Node checks request timeouts only this often at most, so a timeout fires within this much of its limit. */
const MAX_TIMEOUT_CHECK_INTERVAL_MS = 1_000;

function httpServerOptions(context: ServerContext) {
  const timeout = context.limits.httpRequestTimeoutMs;
  return {
    requestTimeout: timeout,
    headersTimeout: timeout,
    // Node's default (30 s) let idle connections live twice as long as the timeout says.
    connectionsCheckingInterval: Math.max(
      1,
      Math.min(MAX_TIMEOUT_CHECK_INTERVAL_MS, Math.floor(timeout / 4)),
    ),
  };
}

/**
 * Behind a trusted proxy every connection comes from the proxy, so there the
 * proxy must bound connections per client; otherwise the server does.
 */
function limitConnectionsPerIp(context: ServerContext, server: Server) {
  if (context.trustProxy) return undefined;
  const perIp = new ConnectionsPerIp(context.limits.maxHttpConnectionsPerIp);
  server.on("connection", (socket: Socket) => {
    if (perIp.admit(socket)) return;
    context.metrics.inc("kad_rate_limited_total", { limit: "http-connections-per-ip" });
    socket.destroy();
  });
  return perIp;
}

function hostPort(host: string, port: number): string {
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return shown.includes(":") ? `[${shown}]:${port}` : `${shown}:${port}`;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
