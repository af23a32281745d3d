/** Plain HTTP connections: idle and slow ones, and how many one address may hold. */
import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { POLL, useServer } from "./harness.js";

/** A short request timeout, so the tests wait well under a second per timeout. */
const TIMEOUT_MS = 400;

interface RawConnection {
  socket: Socket;
  /** Everything the server wrote, once it closed the connection. */
  closed: Promise<string>;
}

function openRaw(serverUrl: string, localAddress = "127.0.0.1"): Promise<RawConnection> {
  const url = new URL(serverUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(url.port), host: url.hostname, localAddress });
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk;
    });
    const closed = new Promise<string>((done) => socket.on("close", () => done(text)));
    socket.once("error", reject);
    socket.once("connect", () => resolve({ socket, closed }));
  });
}

describe("idle and slow HTTP connections", () => {
  it("closes a connection that never sent a byte without writing anything", async () => {
    const { server } = await useServer({ limits: { httpRequestTimeoutMs: TIMEOUT_MS } });
    const idle = await openRaw(server.url);
    expect(await idle.closed).toBe("");
  });

  it("answers 408 to a request that does not arrive in time, and closes", async () => {
    const { server } = await useServer({ limits: { httpRequestTimeoutMs: TIMEOUT_MS } });
    const slow = await openRaw(server.url);
    slow.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    const reply = await slow.closed;
    expect(reply).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(reply).toContain('{"error":"request not received in time"}');
  });
});

describe("HTTP connections per IP", () => {
  it("closes connections over the per-IP limit at once, keeps serving others, frees slots", async () => {
    const { server } = await useServer({ limits: { maxHttpConnectionsPerIp: 2 } });
    const held = [await openRaw(server.url), await openRaw(server.url)];
    const over = await openRaw(server.url);
    over.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(await over.closed).toBe("");
    const elsewhere = await openRaw(server.url, "127.0.0.2");
    elsewhere.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(await elsewhere.closed).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    held[0]?.socket.destroy();
    await held[0]?.closed;
    await expect
      .poll(async () => {
        const again = await openRaw(server.url);
        again.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        return (await again.closed).slice(0, 15);
      }, POLL)
      .toBe("HTTP/1.1 200 OK");
    held[1]?.socket.destroy();
  });

  it("does not count WebSocket connections, which have their own limit", async () => {
    const harness = await useServer({ limits: { maxHttpConnectionsPerIp: 1 } });
    await harness.open();
    await harness.open();
    const response = await fetch(`${harness.server.url}/healthz`);
    expect(response.status).toBe(200);
  });
});
