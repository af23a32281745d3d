/** Assembles the HTTP API, the WebSocket signaling and their collaborators into one listening server. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { LocalSignalingBus } from "./bus/local-signaling-bus.js";
import { systemClock } from "./clock.js";
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
  const clock = options.clock ?? systemClock;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const ownStore = options.store
    ? undefined
    : new MemoryRoomStore({ clock, maxRooms: limits.maxRooms });
  const ownBus = options.bus ? undefined : new LocalSignalingBus();
  const host = options.host ?? "127.0.0.1";
  let address = { host, port: options.port ?? 0 };
  const context: ServerContext = {
    store: options.store ?? (ownStore as MemoryRoomStore),
    bus: options.bus ?? (ownBus as LocalSignalingBus),
    picker: options.picker ?? new OwnUrlPicker(options.publicUrl, () => hostPort(address)),
    clock,
    limits,
    logger: options.logger ?? silentLogger,
    metrics: new Metrics(),
    guards: new Guards(clock, limits),
    allowOrigins: options.allowOrigins?.length ? new Set(options.allowOrigins) : undefined,
    webRoot: options.webRoot,
    trustProxy: options.trustProxy ?? false,
  };
  if (ownStore) {
    context.metrics.defineComputed(
      "kad_rooms",
      "Live rooms in the embedded store.",
      () => ownStore.size,
    );
  }
  const registry = new ConnectionRegistry(context);
  let closing = false;
  const server = createServer(
    { requestTimeout: limits.httpRequestTimeoutMs, headersTimeout: limits.httpRequestTimeoutMs },
    createHttpHandler(context),
  );
  server.on(
    "upgrade",
    createUpgradeHandler(context, registry, () => closing),
  );
  server.on("clientError", (_error, socket) => {
    // Malformed or oversized request headers: answer like every other error, then hang up.
    const body = JSON.stringify({ error: "malformed HTTP request" });
    if (socket.writable) {
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
    } else {
      socket.destroy();
    }
  });
  await listen(server, host, options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  address = { host, port };
  const url = `http://${hostPort(address)}`;
  context.logger.info({ url, publicUrl: options.publicUrl }, "signaling server listening");

  let closed: Promise<void> | undefined;
  const close = () => {
    closing = true;
    closed ??= (async () => {
      const httpDone = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await registry.closeAll();
      const grace = clock.setTimeout(() => server.closeAllConnections(), limits.shutdownGraceMs);
      await httpDone;
      clock.clearTimeout(grace);
      await ownBus?.close();
      await ownStore?.close();
      context.logger.info("signaling server stopped");
    })();
    return closed;
  };
  return { url, port, metrics: context.metrics, close };
}

function hostPort({ host, port }: { host: string; port: number }): string {
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
