/** `kad serve` and `kad-signaling-server` as users run them: the built bins, real processes. */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { HandshakeRefused, SignalingClient } from "./signaling-client.js";

const KAD = new URL("../../bin/kad", import.meta.url).pathname;
/** Loopback, any free port, the listening event on stdout, no logs. */
const QUIET_LOOPBACK = ["--host", "127.0.0.1", "--port", "0", "--json", "--log-level", "silent"];
const STANDALONE = new URL("../../bin/kad-signaling-server", import.meta.url).pathname;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

async function startServe(bin: string, args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = exitOf(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return {
    child,
    exited,
    event: JSON.parse(first) as Record<string, string>,
    stderr: () => stderr,
  };
}

describe("kad serve", () => {
  it("announces where it listens, serves the API and shuts down cleanly on SIGTERM", async () => {
    const serve = await startServe(KAD, ["serve", "--host", "127.0.0.1", "--port", "0", "--json"]);
    expect(serve.event).toMatchObject({
      event: "listening",
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    const base = serve.event.url as string;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: "ok" });
    const created = await fetch(`${base}/rooms`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "a", roomname: "serve-test-room" }),
    });
    expect(created.status).toBe(201);
    const wsUri = (await created.json()) as string;
    expect(wsUri).toBe(base.replace("http", "ws"));
    const client = await SignalingClient.open(wsUri);
    expect(
      (await client.request("connect", { username: "a", roomname: "serve-test-room" })).payload,
    ).toEqual({ err: null });

    serve.child.kill("SIGTERM");
    expect(await client.closed).toBe(1001);
    expect(await serve.exited).toBe(0);
    const logs = serve
      .stderr()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(logs.map((entry) => entry.msg)).toEqual(
      expect.arrayContaining([
        "signaling server listening",
        "room created",
        "signaling server stopped",
      ]),
    );
    expect(serve.stderr()).not.toContain("serve-test-room");
  });

  it("stops on SIGINT too, and prints one plain line without --json", async () => {
    const child = spawn(process.execPath, [KAD, "serve", "--host", "127.0.0.1", "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const exited = exitOf(child);
    let stdout = "";
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
    });
    const line = await new Promise<string>((resolve) => {
      let stderr = "";
      child.stderr?.on("data", (chunk) => {
        stderr += chunk;
        const match = /kad serve: listening on .*\n/.exec(stderr);
        if (match) resolve(match[0]);
      });
    });
    expect(line).toMatch(/^kad serve: listening on http:\/\/127\.0\.0\.1:\d+/);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(stdout).toBe("");
  });

  it("applies --limit overrides", async () => {
    const serve = await startServe(KAD, [
      "serve",
      ...QUIET_LOOPBACK,
      "--limit",
      "maxConnectionsPerIp=1",
    ]);
    const wsUrl = (serve.event.url as string).replace("http", "ws");
    const first = await SignalingClient.open(wsUrl);
    await expect(SignalingClient.open(wsUrl)).rejects.toEqual(new HandshakeRefused(429));
    first.socket.terminate();
    serve.child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
    const bad = spawnSync(process.execPath, [KAD, "serve", "--limit", "bogus=1"], {
      encoding: "utf8",
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown limit "bogus"');
  });

  it("explains a port that is already taken, with exit code 2", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = String((blocker.address() as { port: number }).port);
    const result = spawnSync(
      process.execPath,
      [KAD, "serve", "--host", "127.0.0.1", "--port", port],
      { encoding: "utf8", timeout: 20_000 },
    );
    blocker.close();
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(result.stderr).toContain("--port 0");
  });

  it("rejects bad flags and environment values as usage errors", () => {
    const badFlag = spawnSync(process.execPath, [KAD, "serve", "--public-url", "ftp://x"], {
      encoding: "utf8",
    });
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr).toContain("http:// or https://");
    const badEnv = spawnSync(process.execPath, [KAD, "serve"], {
      encoding: "utf8",
      env: { ...process.env, KAD_SERVE_PORT: "http" },
    });
    expect(badEnv.status).toBe(2);
    expect(badEnv.stderr).toContain("KAD_SERVE_PORT must be a port number");
  });
});

describe("kad-signaling-server", () => {
  it("has the same options and runs standalone", async () => {
    const help = spawnSync(process.execPath, [STANDALONE, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--allow-origin");
    const serve = await startServe(STANDALONE, QUIET_LOOPBACK);
    expect((await fetch(`${serve.event.url}/healthz`)).status).toBe(200);
    serve.child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
    expect(serve.stderr()).toBe("");
  });
});
