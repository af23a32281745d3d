/**
 * kad receive serves the sender it chose and no one else: a second member of
 * the room that starts initiates and never completes them (the intruder of
 * test/helpers/reference-peer.mjs) neither cancels the sender's connection
 * attempt nor leaves the receiver waiting for ever, and SIGTERM still ends it.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { splitCode } from "../../src/code/share-code.js";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, referencePeer, startSend, uniqueRoomName } from "../helpers/transfer-cli.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

function intruder(room: string, count: number, intervalMs = 100) {
  return referencePeer({ role: "intrude", server: server.url, room, count, intervalMs });
}

/** An original browser sender that sends `names` (from `dir`) and stays in the room. */
async function browserSender(dir: string, names: string[], options: { gated?: boolean } = {}) {
  const room = uniqueRoomName("second-member");
  const files = names.map((name) => ({ path: join(dir, name) }));
  const sender = referencePeer(
    { role: "send", server: server.url, room, bind: "127.0.0.1", files, stay: true, ...options },
    { cwd: dir },
  );
  await sender.waitFor((e) => e.event === "ready");
  return { sender, room };
}

function receive(dir: string, room: string, extra: string[] = []) {
  return kad(["receive", "--json", "--server", server.url, "-o", "out", ...extra, room], {
    cwd: dir,
  });
}

describe("a second member's initiates", () => {
  it("arriving during a kad transfer do not keep kad receive from finishing", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    const { sender, code } = await startSend(server.url, ["-"], { cwd: dir });
    const part = Buffer.alloc(64 * 1024, 7);
    sender.child.stdin?.write(part);
    const receiver = receive(dir, code);
    await receiver.waitFor((e) => e.event === "progress");
    const stranger = intruder(splitCode(code)?.room ?? code, 5);
    await stranger.waitFor((e) => e.event === "initiated" && e.n === 5);
    sender.child.stdin?.end(part);
    const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
    expect(received.code, received.stderr).toBe(0);
    expect(sent.code, sent.stderr).toBe(0);
    expect(receiver.events.at(-1)).toEqual({ event: "done", files: 1, bytes: 2 * part.length });
    expect(await readFile(join(dir, "out", "stdin"))).toEqual(Buffer.concat([part, part]));
  });

  it("do not cancel the chosen sender's connection attempt for the next file", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "one.txt"), "first\n");
    await writeRandomFile(join(dir, "two.bin"), 50_000);
    const { sender, room } = await browserSender(dir, ["one.txt", "two.bin"], { gated: true });
    const receiver = receive(dir, room);
    await sender.waitFor((e) => e.event === "waiting");
    sender.child.stdin?.write("go\n");
    await receiver.waitFor((e) => e.event === "file-done");
    // Initiates every 50 ms while the sender connects for its second file.
    const stranger = intruder(room, 60, 50);
    await stranger.waitFor((e) => e.event === "initiated" && e.n === 2);
    sender.child.stdin?.write("go\n");
    await receiver.waitFor((e) => e.event === "file-done" && e.name === "two.bin");
    sender.child.stdin?.end("leave\n");
    const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(received.code, received.stderr).toBe(0);
    expect(receiver.events.at(-1)).toEqual({ event: "done", files: 2, bytes: 50_006 });
    expect(await sha256File(join(dir, "out", "two.bin"))).toBe(
      await sha256File(join(dir, "two.bin")),
    );
  });

  it("after a file, still let kad receive finish at once when the sender leaves", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "one.txt"), "only\n");
    const { sender, room } = await browserSender(dir, ["one.txt"]);
    // Far past the test's patience: the exit must come from the sender leaving.
    const receiver = receive(dir, room, ["--idle-exit", "600"]);
    await receiver.waitFor((e) => e.event === "file-done");
    const stranger = intruder(room, 3);
    await stranger.waitFor((e) => e.event === "initiated" && e.n === 3);
    sender.child.stdin?.end("leave\n");
    const received = await receiver.exited;
    expect(received.code, received.stderr).toBe(0);
    expect(receiver.events.at(-1)).toEqual({ event: "done", files: 1, bytes: 5 });
  });

  it("after a file, do not make kad receive ignore SIGTERM", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "one.txt"), "only\n");
    const { room } = await browserSender(dir, ["one.txt"]);
    const receiver = receive(dir, room, ["--idle-exit", "600"]);
    await receiver.waitFor((e) => e.event === "file-done");
    const stranger = intruder(room, 3);
    await stranger.waitFor((e) => e.event === "initiated" && e.n === 3);
    receiver.child.kill("SIGTERM");
    const received = await receiver.exited;
    expect(received.code).toBe(143);
    expect(receiver.events.at(-1)).toMatchObject({ event: "error", code: "TERMINATED" });
  });
});
