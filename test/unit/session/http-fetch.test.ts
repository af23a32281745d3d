import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { httpFetch, MAX_RESPONSE_BYTES } from "../../../src/session/http-fetch.js";

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    req.on("data", (chunk) => {
      text += chunk;
    });
    req.on("end", () => resolve(text));
  });
}

describe("httpFetch", () => {
  it("sends the method, headers and body, and reads the status and JSON", async () => {
    const seen: Record<string, unknown> = {};
    const base = await serve(async (req, res) => {
      Object.assign(seen, {
        method: req.method,
        url: req.url,
        type: req.headers["content-type"],
        body: await bodyOf(req),
      });
      res.writeHead(201, { "Content-Type": "application/json" }).end('"ws://x/y"');
    });
    const response = await httpFetch(`${base}/rooms`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ roomname: "7-tiger" }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toBe("ws://x/y");
    expect(seen).toEqual({
      method: "POST",
      url: "/rooms",
      type: "application/json",
      body: '{"roomname":"7-tiger"}',
    });
  });

  it("refuses a reply larger than it ever needs", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200).end(Buffer.alloc(MAX_RESPONSE_BYTES + 1, 0x20));
    });
    await expect(httpFetch(`${base}/rooms/a`, { method: "GET", headers: {} })).rejects.toThrow(
      /larger than/,
    );
  });

  it("a bad JSON body fails json(), not the request", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(404).end("not json");
    });
    const response = await httpFetch(`${base}/rooms/a`, { method: "GET", headers: {} });
    expect(response.status).toBe(404);
    await expect(response.json()).rejects.toThrow();
  });

  it("stops waiting when its signal aborts", async () => {
    const base = await serve(() => {
      // Never answers.
    });
    const controller = new AbortController();
    const pending = httpFetch(`${base}/rooms/a`, {
      method: "GET",
      headers: {},
      signal: controller.signal,
    });
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
  });

  it("rejects when nothing listens", async () => {
    const base = await serve(() => {});
    server?.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(httpFetch(`${base}/`, { method: "GET", headers: {} })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});
