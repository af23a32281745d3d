/** Routes every plain HTTP request; WebSocket upgrades go to ws/upgrade.ts instead. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerContext } from "../options.js";
import { applyCors } from "./cors.js";
import { HttpError, sendError, sendJson } from "./respond.js";
import { createRoom, lookUpRoom } from "./rooms-api.js";
import { serveStatic } from "./static-files.js";

type Route =
  | "rooms-create"
  | "rooms-get"
  | "healthz"
  | "metrics"
  | "static"
  | "preflight"
  | "other";

export function createHttpHandler(context: ServerContext) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    let route: Route = "other";
    const startedAt = context.clock.now();
    response.on("finish", () => {
      const status = response.statusCode;
      context.metrics.inc("kad_http_requests_total", { route, status: String(status) });
      // The route name, never the path: paths carry room names.
      const ms = context.clock.now() - startedAt;
      context.logger.debug({ method: request.method, route, status, ms }, "http request");
    });
    const run = async () => {
      const path = new URL(request.url ?? "/", "http://local").pathname;
      const method = request.method ?? "GET";
      applyCors(request, response, context.allowOrigins);
      if (method === "OPTIONS") {
        route = "preflight";
        response.writeHead(204, { "Content-Length": "0" }).end();
        return;
      }
      if (path === "/rooms" || path === "/rooms/") {
        route = "rooms-create";
        requireMethod(method, ["POST"]);
        return createRoom(context, request, response);
      }
      const roomMatch = /^\/rooms\/([^/]+)$/.exec(path);
      if (roomMatch?.[1]) {
        route = "rooms-get";
        requireMethod(method, ["GET"]);
        return lookUpRoom(context, request, response, roomMatch[1]);
      }
      if (path === "/healthz") {
        route = "healthz";
        requireMethod(method, ["GET", "HEAD"]);
        return sendJson(response, 200, { status: "ok" });
      }
      if (path === "/metrics") {
        route = "metrics";
        requireMethod(method, ["GET"]);
        const text = context.metrics.render();
        response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
        response.end(text);
        return;
      }
      if (context.webRoot) {
        route = "static";
        requireMethod(method, ["GET", "HEAD"]);
        return serveStatic(context.webRoot, request, response, path);
      }
      throw new HttpError(404, "not found");
    };
    run().catch((error: unknown) => fail(context, request, response, error));
  };
}

function requireMethod(method: string, allowed: string[]): void {
  if (!allowed.includes(method)) {
    throw new HttpError(405, `method ${method} not allowed here`, { Allow: allowed.join(", ") });
  }
}

function fail(
  context: ServerContext,
  request: IncomingMessage,
  response: ServerResponse,
  error: unknown,
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  if (error instanceof HttpError) {
    sendError(response, error.status, error.message, error.headers);
    // Unread body bytes of a refused request must not be parsed as the next request.
    if (error.headers.Connection === "close") request.resume();
    return;
  }
  context.logger.error({ err: error, method: request.method }, "unexpected error in HTTP handler");
  sendError(response, 500, "internal server error");
}
