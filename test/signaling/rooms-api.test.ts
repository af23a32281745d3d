/** POST /rooms and GET /rooms/:name: every row of browser-protocol.md section 1, plus the hostile cases. */
import { request } from "node:http";
import { describe, expect, it } from "vitest";
import type { RoomStore } from "../../signaling-server/src/index.js";
import { MemoryRoomStore } from "../../signaling-server/src/index.js";
import { FakeClock } from "./fake-clock.js";
import { uniqueRoom, useServer } from "./harness.js";

const JSON_HEADERS = { "Content-Type": "application/json", Accept: "application/json" };

function post(base: string, body: string, headers: Record<string, string> = JSON_HEADERS) {
  return fetch(`${base}/rooms`, { method: "POST", headers, body });
}

/** A request with a Host header of our choosing (fetch does not let a caller set Host). */
function withHost(
  base: string,
  host: string,
  method: "GET" | "POST",
  body?: string,
  room?: string,
): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  const path = room ? `/rooms/${room}` : "/rooms";
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method,
        headers: { ...JSON_HEADERS, Host: host },
      },
      (response) => {
        let text = "";
        response.on("data", (chunk) => {
          text += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function expectError(response: Response, status: number, text: RegExp) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: string };
  expect(body.error).toMatch(text);
}

describe("POST /rooms", () => {
  it("creates a room: 201 with the WebSocket URI as a JSON string", async () => {
    const { server } = await useServer();
    const response = await post(
      server.url,
      JSON.stringify({ username: "alice", roomname: uniqueRoom() }),
    );
    expect(response.status).toBe(201);
    expect(await response.text()).toBe(JSON.stringify(server.url.replace("http", "ws")));
  });

  it("derives wss:// from an https public URL and ws:// from a plain Host", async () => {
    const { server } = await useServer({ publicUrl: "https://kad.example.org" });
    const response = await post(
      server.url,
      JSON.stringify({ username: "a", roomname: uniqueRoom() }),
    );
    expect(await response.json()).toBe("wss://kad.example.org");
    const other = await useServer({ publicUrl: "http://lan.example:8080/kad/" });
    const second = await post(
      other.server.url,
      JSON.stringify({ username: "a", roomname: uniqueRoom() }),
    );
    expect(await second.json()).toBe("ws://lan.example:8080/kad/");
  });

  it.each([
    ["not JSON", "{oops", 400, /not valid JSON/],
    ["a JSON array", "[1,2]", 400, /JSON object/],
    ["no username", JSON.stringify({ roomname: "valid-room" }), 400, /username/],
    [
      "a numeric username",
      JSON.stringify({ username: 5, roomname: "valid-room" }),
      400,
      /username/,
    ],
    [
      "a blank username",
      JSON.stringify({ username: "   ", roomname: "valid-room" }),
      400,
      /username/,
    ],
    ["no roomname", JSON.stringify({ username: "a" }), 400, /roomname/],
    ["a short roomname", JSON.stringify({ username: "a", roomname: "abcd" }), 400, /roomname/],
    [
      "a roomname with a slash",
      JSON.stringify({ username: "a", roomname: "abc/def" }),
      400,
      /roomname/,
    ],
    [
      "a 65-character roomname",
      JSON.stringify({ username: "a", roomname: "x".repeat(65) }),
      400,
      /roomname/,
    ],
    ["a unicode roomname", JSON.stringify({ username: "a", roomname: "räume-1" }), 400, /roomname/],
    [
      "a non-string password",
      JSON.stringify({ username: "a", roomname: "valid-room", password: 1 }),
      400,
      /password/,
    ],
  ])("refuses %s with %i", async (_what, body, status, message) => {
    const { server } = await useServer();
    await expectError(await post(server.url, body), status, message);
  });

  it("answers 406 to a client that does not accept JSON", async () => {
    const { server } = await useServer();
    const body = JSON.stringify({ username: "a", roomname: uniqueRoom() });
    const response = await post(server.url, body, {
      "Content-Type": "application/json",
      Accept: "text/html",
    });
    await expectError(response, 406, /application\/json/);
    const wildcard = await post(server.url, body, {
      "Content-Type": "application/json",
      Accept: "text/html, */*;q=0.1",
    });
    expect(wildcard.status).toBe(201);
  });

  it("answers 415 to a body that is not declared as JSON", async () => {
    const { server } = await useServer();
    const body = JSON.stringify({ username: "a", roomname: uniqueRoom() });
    await expectError(
      await post(server.url, body, { "Content-Type": "text/plain" }),
      415,
      /Content-Type/,
    );
    await expectError(
      await post(server.url, body, { "Content-Type": "application/x-www-form-urlencoded" }),
      415,
      /Content-Type/,
    );
  });

  it("answers 413 to a body over the limit, declared or streamed", async () => {
    const { server } = await useServer({ limits: { maxBodyBytes: 1024 } });
    const big = JSON.stringify({
      username: "a",
      roomname: uniqueRoom(),
      password: "p".repeat(2000),
    });
    await expectError(await post(server.url, big), 413, /larger than 1024 bytes/);
    const streamed = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const response = await fetch(`${server.url}/rooms`, {
      method: "POST",
      headers: JSON_HEADERS,
      body: streamed,
      duplex: "half",
    } as RequestInit);
    await expectError(response, 413, /larger than/);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("answers 409 when the room exists", async () => {
    const { server } = await useServer();
    const body = JSON.stringify({ username: "a", roomname: uniqueRoom() });
    expect((await post(server.url, body)).status).toBe(201);
    await expectError(await post(server.url, body), 409, /already exists/);
  });

  it("answers 500 when the store fails", async () => {
    const failing = new MemoryRoomStore();
    failing.createRoom = () => Promise.reject(new Error("store down"));
    failing.getRoom = () => Promise.reject(new Error("store down"));
    const { server } = await useServer({ store: failing as RoomStore });
    const name = uniqueRoom();
    await expectError(
      await post(server.url, JSON.stringify({ username: "a", roomname: name })),
      500,
      /store unavailable/,
    );
    await expectError(await fetch(`${server.url}/rooms/${name}`), 500, /store unavailable/);
    await failing.close();
  });

  it("limits room creation per IP per minute, attempts included", async () => {
    const clock = new FakeClock();
    const { server } = await useServer({ clock, limits: { roomCreationsPerIpPerMinute: 2 } });
    const name = uniqueRoom();
    expect((await post(server.url, JSON.stringify({ username: "a", roomname: name }))).status).toBe(
      201,
    );
    expect((await post(server.url, JSON.stringify({ username: "a", roomname: name }))).status).toBe(
      409,
    );
    const limited = await post(
      server.url,
      JSON.stringify({ username: "a", roomname: uniqueRoom() }),
    );
    expect(limited.headers.get("retry-after")).toBe("60");
    await expectError(limited, 429, /too many rooms/);
    clock.advance(60_000);
    expect(
      (await post(server.url, JSON.stringify({ username: "a", roomname: uniqueRoom() }))).status,
    ).toBe(201);
  });

  it("counts 409s as failed guesses, so taken names cannot be probed", async () => {
    const { server } = await useServer({ limits: { failedConnectsPerIp: 2 } });
    const name = uniqueRoom();
    const body = JSON.stringify({ username: "a", roomname: name });
    expect((await post(server.url, body)).status).toBe(201);
    expect((await post(server.url, body)).status).toBe(409);
    expect((await post(server.url, body)).status).toBe(409);
    const fresh = JSON.stringify({ username: "a", roomname: uniqueRoom() });
    await expectError(await post(server.url, fresh), 429, /unknown or taken room names/);
  });

  it("answers 503 when the embedded store is full", async () => {
    const { server } = await useServer({ limits: { maxRooms: 1 } });
    expect(
      (await post(server.url, JSON.stringify({ username: "a", roomname: uniqueRoom() }))).status,
    ).toBe(201);
    await expectError(
      await post(server.url, JSON.stringify({ username: "a", roomname: uniqueRoom() })),
      503,
      /maximum of 1 rooms/,
    );
  });

  it("refuses other methods with 405 and an Allow header", async () => {
    const { server } = await useServer();
    const response = await fetch(`${server.url}/rooms`, { method: "PUT" });
    expect(response.headers.get("allow")).toBe("POST");
    await expectError(response, 405, /PUT/);
  });
});

describe("GET /rooms/:name", () => {
  it("describes a room, with and without password", async () => {
    const harness = await useServer();
    const open = uniqueRoom();
    const locked = uniqueRoom();
    await harness.createRoom(open);
    await harness.createRoom(locked, "secret");
    const wsUri = harness.server.url.replace("http", "ws");
    expect(await (await fetch(`${harness.server.url}/rooms/${open}`)).json()).toEqual({
      webSocketUri: wsUri,
      hasPassword: false,
    });
    expect(await (await fetch(`${harness.server.url}/rooms/${locked}`)).json()).toEqual({
      webSocketUri: wsUri,
      hasPassword: true,
    });
  });

  it("answers each client with the host it used, so a creator's Host header cannot steer joiners", async () => {
    const harness = await useServer();
    const name = uniqueRoom();
    const body = JSON.stringify({ username: "mallory", roomname: name });
    const created = await withHost(harness.server.url, "attacker.example:4444", "POST", body);
    expect(created).toEqual({ status: 201, body: JSON.stringify("ws://attacker.example:4444") });
    const lookup = await fetch(`${harness.server.url}/rooms/${name}`);
    expect(await lookup.json()).toEqual({
      webSocketUri: harness.server.url.replace("http", "ws"),
      hasPassword: false,
    });
    const viaName = await withHost(harness.server.url, "kad.lan:9891", "GET", undefined, name);
    expect(JSON.parse(viaName.body)).toMatchObject({ webSocketUri: "ws://kad.lan:9891" });
  });

  it("treats a whitespace-only password as no password", async () => {
    const harness = await useServer();
    const name = uniqueRoom();
    await harness.createRoom(name, "   ");
    expect(await (await fetch(`${harness.server.url}/rooms/${name}`)).json()).toMatchObject({
      hasPassword: false,
    });
  });

  it("answers 404 for unknown and expired rooms", async () => {
    const clock = new FakeClock();
    const harness = await useServer({ clock });
    await expectError(
      await fetch(`${harness.server.url}/rooms/never-created`),
      404,
      /no such room/,
    );
    const name = uniqueRoom();
    await harness.createRoom(name);
    clock.advance(1_800_000);
    await expectError(await fetch(`${harness.server.url}/rooms/${name}`), 404, /no such room/);
  });

  it.each([["abcd"], ["has%20space"], ["%E0%A4%A"], ["x".repeat(65)]])(
    "answers 400 for the invalid name %s",
    async (name) => {
      const { server } = await useServer();
      await expectError(await fetch(`${server.url}/rooms/${name}`), 400, /room name/);
    },
  );

  it("limits lookups of unknown rooms per IP, so names cannot be enumerated", async () => {
    const clock = new FakeClock();
    const harness = await useServer({ clock, limits: { failedConnectsPerIp: 3 } });
    const name = uniqueRoom();
    await harness.createRoom(name);
    for (let i = 0; i < 3; i += 1)
      expect((await fetch(`${harness.server.url}/rooms/guess-${i}-x`)).status).toBe(404);
    await expectError(
      await fetch(`${harness.server.url}/rooms/${name}`),
      429,
      /too many unknown or taken room names/,
    );
    clock.advance(10 * 60_000);
    expect((await fetch(`${harness.server.url}/rooms/${name}`)).status).toBe(200);
  });

  it("counts the same unknown name once: a receiver may wait for its sender (kad receive --wait)", async () => {
    const harness = await useServer({ limits: { failedConnectsPerIp: 3 } });
    const name = uniqueRoom();
    for (let i = 0; i < 10; i += 1)
      expect((await fetch(`${harness.server.url}/rooms/${name}`)).status).toBe(404);
    await harness.createRoom(name);
    expect((await fetch(`${harness.server.url}/rooms/${name}`)).status).toBe(200);
    for (let i = 0; i < 2; i += 1)
      expect((await fetch(`${harness.server.url}/rooms/guess-${i}-x`)).status).toBe(404);
    await expectError(
      await fetch(`${harness.server.url}/rooms/${name}`),
      429,
      /too many unknown or taken room names/,
    );
  });
});

describe("CORS", () => {
  it("allows any origin without an allowlist", async () => {
    const { server } = await useServer();
    const response = await fetch(`${server.url}/rooms/unknown-room`, {
      headers: { Origin: "https://a.example" },
    });
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("echoes allowed origins only, with methods and headers, also on preflight", async () => {
    const { server } = await useServer({ allowOrigins: ["https://kad.example"] });
    const allowed = await fetch(`${server.url}/rooms`, {
      method: "OPTIONS",
      headers: { Origin: "https://kad.example", "Access-Control-Request-Method": "POST" },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://kad.example");
    expect(allowed.headers.get("access-control-allow-methods")).toBe("POST, GET");
    expect(allowed.headers.get("access-control-allow-headers")).toBe("Content-Type");
    const created = await post(
      server.url,
      JSON.stringify({ username: "a", roomname: uniqueRoom() }),
      { ...JSON_HEADERS, Origin: "https://kad.example" },
    );
    expect(created.headers.get("access-control-allow-origin")).toBe("https://kad.example");
    const other = await fetch(`${server.url}/rooms/unknown-room`, {
      headers: { Origin: "https://evil.example" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("other routes", () => {
  it("serves /healthz and a JSON 404 elsewhere", async () => {
    const { server } = await useServer();
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "ok" });
    await expectError(await fetch(`${server.url}/nothing-here`), 404, /not found/);
  });
});
