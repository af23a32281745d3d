/**
 * kad receive against a crafted sender (test/helpers/reference-peer.mjs in
 * hostile mode): names that try to leave the output directory through a
 * symbolic link, and names and messages that try to drive the terminal.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { KAD, kad, referencePeer } from "../helpers/transfer-cli.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

let roomCounter = 0;

async function hostileSender(dir: string, sender: Record<string, unknown>) {
  roomCounter += 1;
  const room = `hostile-room-${process.pid}-${roomCounter}`;
  const peer = referencePeer(
    { role: "send", server: server.url, room, bind: "127.0.0.1", ...sender },
    { cwd: dir },
  );
  await peer.waitFor((e) => e.event === "ready");
  return { peer, room };
}

async function hostileSends(
  dir: string,
  sender: Record<string, unknown>,
  receiveArgs: string[],
  json = true,
) {
  const { peer, room } = await hostileSender(dir, sender);
  const receiver = kad(["receive", "--server", server.url, "-o", "out", ...receiveArgs, room], {
    cwd: dir,
    json,
  });
  const received = await receiver.exited;
  peer.child.kill();
  return { receiver, received };
}

function eofFor(data: string): string {
  const sha256 = createHash("sha256").update(data).digest("hex");
  return JSON.stringify({ kad: "eof", bytes: Buffer.byteLength(data), sha256 });
}

describe("a hostile kad sender", () => {
  it("cannot write through a symbolic link by an empty kad path and a name with /", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await mkdir(join(dir, "outside"));
    await writeFile(join(dir, "outside", "pwned.txt"), "old\n");
    await symlink(join(dir, "outside"), join(dir, "out", "link"));
    await writeFile(join(dir, "payload"), "gotcha\n");
    const file = {
      path: join(dir, "payload"),
      name: "link/pwned.txt",
      kad: { v: 1, path: ".." },
      after: [eofFor("gotcha\n")],
    };
    const { receiver, received } = await hostileSends(dir, { files: [file] }, [
      "--json",
      "--overwrite",
    ]);
    expect(await readFile(join(dir, "outside", "pwned.txt"), "utf8")).toBe("old\n");
    expect(await readdir(join(dir, "outside"))).toEqual(["pwned.txt"]);
    expect(received.code).toBe(1);
    expect(receiver.events.at(-1)).toMatchObject({ event: "error", code: "EXISTS" });
  });
});

/** Raw characters that drive a terminal: ESC, BEL, C1 CSI, bidi override. */
const DRIVING = ["\u001b", "\u0007", "\u009b", "\u202e"];

describe("a hostile sender's names and messages", () => {
  const username = "evil\u001b]0;pwned\u0007\u001b]52;c;cm0gLXJmIH4=\u0007\u009b2J\u202e";
  const refusal = JSON.stringify({
    kad: "error",
    code: "PROTOCOL",
    message: "\u001b]0;owned\u0007\n✔ received x.txt, SHA-256 verified\u202e",
  });

  async function refusingSenderIn(dir: string) {
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "x.txt"), "x");
    const file = { path: join(dir, "x.txt"), kad: { v: 1 }, after: [refusal] };
    return { username, files: [file] };
  }

  async function refusingSender(receiveArgs: string[], json: boolean) {
    const dir = await useTempDir();
    return hostileSends(dir, await refusingSenderIn(dir), receiveArgs, json);
  }

  it("reach a real terminal (the TTY reporter) escaped", async () => {
    const dir = await useTempDir();
    const { peer, room } = await hostileSender(dir, await refusingSenderIn(dir));
    const command = `stty rows 24 cols 100; exec ${process.execPath} ${KAD} receive --server ${server.url} -o out ${room}`;
    const child = spawn("script", ["-qfec", command, "/dev/null"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, TERM: "xterm", NO_COLOR: "1" },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    await new Promise((resolve) => child.on("close", resolve));
    peer.child.kill();
    // The spinner and bars use CSI sequences of their own; an OSC or bidi override is the peer's.
    for (const raw of ["\u001b]", "\u0007", "\u009b", "\u202e"]) expect(output).not.toContain(raw);
    expect(output).toContain("evil\\x1b]0;pwned\\x07");
    expect(output).toContain("kad: the peer refused: \\x1b]0;owned\\x07\\n✔ received x.txt");
    expect(output.split(/\r?\n/).some((line) => line.startsWith("✔ received"))).toBe(false);
  });

  it("reach the plain output escaped, and a newline in them starts no line", async () => {
    const { received } = await refusingSender([], false);
    expect(received.code).toBe(1);
    for (const raw of DRIVING) expect(received.stderr).not.toContain(raw);
    expect(received.stderr).toContain("connected to evil\\x1b]0;pwned\\x07\\x1b]52;c;");
    expect(received.stderr).toContain(
      "kad: the peer refused: \\x1b]0;owned\\x07\\n✔ received x.txt, SHA-256 verified\\u202e\n",
    );
    expect(received.stderr.split("\n").some((line) => line.startsWith("✔"))).toBe(false);
  });

  it("stay exact in --json events with no raw control or bidi byte, and escaped on stderr", async () => {
    const { receiver, received } = await refusingSender(["--json"], true);
    expect(received.code).toBe(1);
    for (const raw of DRIVING) {
      expect(received.stdout.toString()).not.toContain(raw);
      expect(received.stderr).not.toContain(raw);
    }
    expect(receiver.events).toContainEqual({ event: "peer", name: username });
    expect(receiver.events.at(-1)).toEqual({
      event: "error",
      code: "PROTOCOL",
      message: `the peer refused: ${JSON.parse(refusal).message}`,
    });
    expect(received.stderr.split("\n").some((line) => line.startsWith("✔"))).toBe(false);
  });
});
