/**
 * Option values checked before any network work: bad --bind / KAD_BIND / --ice
 * are usage errors (exit 2) and no room is made; --timeout accepts 0 (no limit)
 * and values past what Node's timers hold, instead of timing out at once.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, startSend } from "../helpers/transfer-cli.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

async function sendWith(args: string[], env: NodeJS.ProcessEnv = {}) {
  const dir = await useTempDir();
  await writeFile(join(dir, "a.txt"), "hello");
  const sender = kad(["send", "--json", "--server", server.url, ...args, "a.txt"], {
    cwd: dir,
    env,
  });
  return { sender, result: await sender.exited };
}

describe("network options", () => {
  it("a --bind that is not an address is a usage error before a code is made", async () => {
    const { sender, result } = await sendWith(["--bind", "notanip"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--bind");
    expect(result.stderr).toContain("must be an IP address of this machine");
    expect(sender.events.some((event) => event.event === "code")).toBe(false);
  });

  it("KAD_BIND with an address of another machine is a usage error too", async () => {
    const { sender, result } = await sendWith([], { KAD_BIND: "192.0.2.55" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("192.0.2.55 is not an address of this machine");
    expect(sender.events.some((event) => event.event === "code")).toBe(false);
  });

  it("an --ice value that is no STUN/TURN URL is a usage error, on receive as well", async () => {
    const { result } = await sendWith(["--ice", "bogus"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("must be a STUN or TURN URL");
    const receive = await kad(["receive", "--server", server.url, "--ice", "http://x", "1-a-b"], {
      json: false,
    }).exited;
    expect(receive.code).toBe(2);
    expect(receive.stderr).toContain("must be a STUN or TURN URL");
  });

  it("--timeout beyond Node's timer range, and 0 (no limit), wait instead of timing out", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "a.txt"), "hello");
    const { sender, code } = await startSend(server.url, ["--timeout", "2147484", "a.txt"], {
      cwd: dir,
    });
    const receiver = kad(
      ["receive", "--json", "--timeout", "0", "--server", server.url, "-o", "out", code],
      { cwd: dir },
    );
    const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
    expect(sent.stderr).not.toContain("TimeoutOverflowWarning");
    expect(sent.code).toBe(0);
    expect(received.code).toBe(0);
  });

  it("a STUN server that never answers only delays the transfer (gathering is capped)", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "a.txt"), "hello");
    // Port 9 (discard) on loopback: nothing answers there.
    const ice = ["--ice", "stun:127.0.0.1:9"];
    const { sender, code } = await startSend(server.url, [...ice, "a.txt"], { cwd: dir });
    const receiver = kad(["receive", "--json", ...ice, "--server", server.url, "-o", "out", code], {
      cwd: dir,
    });
    const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
    expect(received.stderr).toBe("");
    expect(sent.code).toBe(0);
    expect(received.code).toBe(0);
  });

  it("a negative or non-numeric --timeout is a usage error", async () => {
    for (const value of ["-1", "abc", ""]) {
      const { result } = await sendWith(["--timeout", value]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("0 for no limit");
    }
  });
});
