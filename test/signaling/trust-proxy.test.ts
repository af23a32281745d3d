/** Behind a reverse proxy every client arrives from the proxy's address; --trust-proxy tells them apart. */
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { uniqueRoom, useServer } from "./harness.js";

function create(base: string, headers: Record<string, string>) {
  return fetch(`${base}/rooms`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ username: "a", roomname: uniqueRoom() }),
  });
}

function handshakeStatus(wsUrl: string, forwardedFor: string): Promise<number> {
  const socket = new WebSocket(wsUrl, ["signaling"], {
    headers: { "X-Forwarded-For": forwardedFor },
  });
  socket.on("error", () => {});
  return new Promise((resolve) => {
    socket.once("open", () => resolve(101));
    socket.once("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
  });
}

describe("trustProxy", () => {
  it("counts limits per forwarded client, using the entry the proxy added", async () => {
    const { server } = await useServer({
      trustProxy: true,
      limits: { roomCreationsPerIpPerMinute: 1 },
    });
    expect((await create(server.url, { "X-Forwarded-For": "203.0.113.7" })).status).toBe(201);
    expect((await create(server.url, { "X-Forwarded-For": "203.0.113.7" })).status).toBe(429);
    // A client cannot dodge the limit by prepending addresses of its own.
    expect((await create(server.url, { "X-Forwarded-For": "1.2.3.4, 203.0.113.7" })).status).toBe(
      429,
    );
    expect((await create(server.url, { "X-Forwarded-For": "203.0.113.8" })).status).toBe(201);
  });

  it("counts WebSocket connections per forwarded client", async () => {
    const harness = await useServer({ trustProxy: true, limits: { maxConnectionsPerIp: 1 } });
    expect(await handshakeStatus(harness.wsUrl, "203.0.113.7")).toBe(101);
    expect(await handshakeStatus(harness.wsUrl, "203.0.113.7")).toBe(429);
    expect(await handshakeStatus(harness.wsUrl, "203.0.113.8")).toBe(101);
  });

  it("answers wss:// when the proxy says the client came over https", async () => {
    const { server } = await useServer({ trustProxy: true });
    const response = await create(server.url, { "X-Forwarded-Proto": "https" });
    expect(await response.json()).toBe(server.url.replace("http://", "wss://"));
  });

  it("ignores forwarding headers unless told to trust them", async () => {
    const { server } = await useServer({ limits: { roomCreationsPerIpPerMinute: 1 } });
    expect((await create(server.url, { "X-Forwarded-For": "203.0.113.7" })).status).toBe(201);
    expect((await create(server.url, { "X-Forwarded-For": "203.0.113.8" })).status).toBe(429);
    const other = await useServer();
    const response = await create(other.server.url, { "X-Forwarded-Proto": "https" });
    expect(await response.json()).toMatch(/^ws:\/\//);
  });
});
