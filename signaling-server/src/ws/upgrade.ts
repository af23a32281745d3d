/**
 * WebSocket handshakes: only the `signaling` subprotocol, only allowed
 * origins, and within the connection limits. Refusals are plain HTTP
 * responses with a JSON `{"error"}` body, before any WebSocket exists.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { SIGNALING_SUBPROTOCOL } from "../../../src/protocol/signaling-messages.js";
import { isOriginAllowed } from "../http/cors.js";
import { clientIp } from "../limits/guards.js";
import type { ServerContext } from "../options.js";
import type { ConnectionRegistry } from "./connection-registry.js";

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  429: "Too Many Requests",
  503: "Service Unavailable",
};

export function createUpgradeHandler(
  context: ServerContext,
  registry: ConnectionRegistry,
  isClosing: () => boolean,
) {
  const webSockets = new WebSocketServer({
    noServer: true,
    maxPayload: context.limits.maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (protocols) =>
      protocols.has(SIGNALING_SUBPROTOCOL) ? SIGNALING_SUBPROTOCOL : false,
  });

  return (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", () => socket.destroy());
    const ip = clientIp(request, context.trustProxy);
    const refusal = handshakeRefusal(context, registry, request, ip, isClosing());
    if (refusal) {
      context.metrics.inc("kad_connections_rejected_total", { reason: refusal.reason });
      if (refusal.status === 429) {
        context.metrics.inc("kad_rate_limited_total", { limit: "connections-per-ip" });
        context.logger.warn({ ip }, "too many connections from one address");
      }
      refuseHandshake(socket, refusal.status, refusal.message);
      return;
    }
    webSockets.handleUpgrade(request, socket, head, (webSocket) => registry.add(webSocket, ip));
  };
}

interface Refusal {
  status: number;
  reason: string;
  message: string;
}

function handshakeRefusal(
  context: ServerContext,
  registry: ConnectionRegistry,
  request: IncomingMessage,
  ip: string,
  closing: boolean,
): Refusal | undefined {
  if (closing) {
    return {
      status: 503,
      reason: "shutting-down",
      message: "server is shutting down; try again in a moment",
    };
  }
  if (!isOriginAllowed(request.headers.origin, context.allowOrigins)) {
    return {
      status: 403,
      reason: "origin",
      message:
        "this page's origin is not allowed; the server's operator can add it with --allow-origin",
    };
  }
  const offered = (request.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
  if (!offered.includes(SIGNALING_SUBPROTOCOL)) {
    const message = `the WebSocket subprotocol must be "${SIGNALING_SUBPROTOCOL}"`;
    return { status: 400, reason: "subprotocol", message };
  }
  const limit = registry.refusal(ip);
  if (limit === "server-full") {
    return {
      status: 503,
      reason: limit,
      message: "server is at its connection limit; try again later",
    };
  }
  if (limit === "ip-limit") {
    return {
      status: 429,
      reason: limit,
      message: "too many connections from this address; close some and try again",
    };
  }
  return undefined;
}

function refuseHandshake(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\n` +
      "Connection: close\r\n" +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
