/** The web page from webRoot, GET /metrics, and shutdown. */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSignalingServer } from "../../signaling-server/src/index.js";
import { uniqueRoom, useServer } from "./harness.js";
import { SignalingClient } from "./signaling-client.js";

/** A raw GET, so the path reaches the server exactly as written (fetch would normalise "..") */
function rawGet(
  base: string,
  path: string,
): Promise<{ status: number; type: string | undefined; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: "GET" }, (response) => {
      let body = "";
      response.on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, type: response.headers["content-type"], body }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("static files", () => {
  let parent: string;
  let root: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), "kad-web-"));
    root = join(parent, "web");
    await mkdir(join(root, "assets"), { recursive: true });
    await writeFile(join(root, "index.html"), "<!doctype html><title>kad</title>");
    await writeFile(join(root, "app.js"), "console.log(1)");
    await writeFile(join(root, "assets", "style.css"), "body{}");
    await writeFile(join(root, ".env"), "SECRET=1");
    await writeFile(join(parent, "outside.txt"), "secret outside");
    await symlink(join(parent, "outside.txt"), join(root, "escape.txt"));
  });
  afterAll(() => rm(parent, { recursive: true, force: true }));

  it("serves index.html at / and files with their content types", async () => {
    const { server } = await useServer({ webRoot: root });
    expect(await rawGet(server.url, "/")).toEqual({
      status: 200,
      type: "text/html; charset=utf-8",
      body: "<!doctype html><title>kad</title>",
    });
    expect(await rawGet(server.url, "/app.js")).toMatchObject({
      status: 200,
      type: "text/javascript; charset=utf-8",
    });
    expect(await rawGet(server.url, "/assets/style.css")).toMatchObject({
      status: 200,
      type: "text/css; charset=utf-8",
    });
    expect(await rawGet(server.url, "/assets/")).toMatchObject({ status: 404 });
    const head = await fetch(`${server.url}/app.js`, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe("14");
  });

  it.each([
    "/../outside.txt",
    "/%2e%2e/outside.txt",
    "/assets/..%2f..%2foutside.txt",
    "/..%5coutside.txt",
    "/.env",
    "/assets/%2e%2e/.env",
    "/escape.txt",
    "/index.html%00.js",
    "/%E0%A4%A",
    "/missing.js",
  ])("refuses %s with 404", async (path) => {
    const { server } = await useServer({ webRoot: root });
    const response = await rawGet(server.url, path);
    expect(response.status).toBe(404);
    expect(response.body).not.toContain("secret");
  });

  it("sends the page's Content-Security-Policy and anti-framing headers with every file", async () => {
    const { server } = await useServer({ webRoot: root });
    const page = await readFile(
      join(import.meta.dirname, "../../src/web/public/index.html"),
      "utf8",
    );
    const metaPolicy = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(page)?.[1];
    expect(metaPolicy).toBeDefined();
    for (const path of ["/", "/app.js"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.headers.get("content-security-policy")).toBe(
        `${metaPolicy}; frame-ancestors 'none'`,
      );
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("keeps the API routes ahead of the files", async () => {
    const { server } = await useServer({ webRoot: root });
    expect(await rawGet(server.url, "/healthz")).toMatchObject({
      status: 200,
      body: '{"status":"ok"}',
    });
    expect(await rawGet(server.url, "/rooms/unknown-room")).toMatchObject({ status: 404 });
  });
});

describe("GET /metrics", () => {
  it("starts every unlabelled series at an explicit 0", async () => {
    const harness = await useServer();
    const text = await (await fetch(`${harness.server.url}/metrics`)).text();
    expect(text).toContain("kad_rooms_created_total 0\n");
    expect(text).toContain("kad_initiates_relayed_total 0\n");
    expect(text).toContain("kad_relay_timeouts_total 0\n");
    expect(text).not.toMatch(/^kad_frames_rejected_total /m);
  });

  it("reports rooms, connections, initiates and rejected frames in Prometheus text format", async () => {
    const harness = await useServer();
    const [alice] = (await harness.roomWith(uniqueRoom(), "alice", "bob")) as [SignalingClient];
    alice.sendRaw("garbage");
    await alice.request("initiate", { id: "nobody", offerSDP: { type: "offer", sdp: "" } });
    const response = await fetch(`${harness.server.url}/metrics`);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    expect(text).toContain("# TYPE kad_rooms_created_total counter\nkad_rooms_created_total 1\n");
    expect(text).toContain("kad_rooms 1\n");
    expect(text).toContain("kad_connections_open 2\n");
    expect(text).toContain("kad_members_joined 2\n");
    expect(text).toContain('kad_frames_rejected_total{reason="not-json"} 1\n');
    expect(text).toContain('kad_http_requests_total{route="rooms-create",status="201"} 1\n');
    expect(text).toMatch(/^# HELP kad_initiates_relayed_total .+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
    for (const line of text.trim().split("\n")) {
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? -?\d+(\.\d+)?)$/);
    }
  });
});

describe("close()", () => {
  it("closes WebSockets with 1001, lets members leave, and stops listening", async () => {
    const server = await startSignalingServer({ port: 0 });
    const created = await fetch(`${server.url}/rooms`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "a", roomname: "closing-room" }),
    });
    const client = await SignalingClient.open((await created.json()) as string);
    await client.request("connect", { username: "a", roomname: "closing-room" });
    await Promise.all([server.close(), server.close()]);
    expect(await client.closed).toBe(1001);
    expect(client.closeReason).toBe("server shutting down");
    expect(server.metrics.value("kad_members_joined")).toBe(0);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});

describe("HTTP hygiene", () => {
  it("answers a malformed request with a JSON 400", async () => {
    const { server } = await useServer();
    const { connect } = await import("node:net");
    const url = new URL(server.url);
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () =>
        socket.write("NONSENSE / HTTP/9\r\n\r\n"),
      );
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk;
      });
      socket.on("close", () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(reply).toContain('{"error":"malformed HTTP request"}');
  });

  it("finishes a request that is in flight when close() begins", async () => {
    const server = await startSignalingServer({ port: 0 });
    const url = new URL(server.url);
    const body = JSON.stringify({ username: "a", roomname: "in-flight-room" });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: "/rooms",
          method: "POST",
          headers: { "Content-Type": "application/json", "Content-Length": String(body.length) },
        },
        (res) => {
          let text = "";
          res.on("data", (chunk) => {
            text += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 300);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = server.close();
    expect(await response).toEqual({
      status: 201,
      body: JSON.stringify(server.url.replace("http", "ws")),
    });
    await closed;
  });
});
