/**
 * kad against a peer that behaves like the original browser client, written
 * from the protocol reference (test/helpers/reference-peer.mjs): kad must
 * accept its 128-byte chunks as a receiver and serve it as a sender without
 * any kad extension reaching it. A hostile variant tries to escape the output
 * directory and to send more than it announced.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, referencePeer, startSend } from "../helpers/transfer-cli.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

let roomCounter = 0;
function roomName(): string {
  roomCounter += 1;
  return `reference-room-${process.pid}-${roomCounter}`;
}

async function referenceSends(
  dir: string,
  files: Record<string, unknown>[],
  receiveArgs: string[] = [],
  room = roomName(),
) {
  const sender = referencePeer(
    { role: "send", server: server.url, room, bind: "127.0.0.1", files, chunkBytes: 128 },
    { cwd: dir },
  );
  await sender.waitFor((e) => e.event === "ready");
  const receiver = kad(
    ["receive", "--json", "--server", server.url, "-o", "out", ...receiveArgs, room],
    { cwd: dir },
  );
  return { sender, receiver };
}

describe("kad receive from an original browser sender", () => {
  it("takes 128-byte chunks of several files and finishes when the sender leaves", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await writeRandomFile(join(dir, "photo.jpg"), 100_000);
    await writeFile(join(dir, "notes.txt"), "from a browser\n");
    await writeFile(join(dir, "empty.txt"), "");
    const files = ["photo.jpg", "notes.txt", "empty.txt"].map((name) => ({
      path: join(dir, name),
    }));
    const { sender, receiver } = await referenceSends(dir, files);
    const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(received.stderr).toBe("");
    expect(received.code).toBe(0);
    for (const name of ["photo.jpg", "notes.txt", "empty.txt"]) {
      expect(await sha256File(join(dir, "out", name))).toBe(await sha256File(join(dir, name)));
    }
    expect(receiver.events.at(-1)).toEqual({ event: "done", files: 3, bytes: 100_000 + 15 });
    const warnings = receiver.events.filter((e) => e.event === "warning");
    expect(warnings).toEqual([
      {
        event: "warning",
        message: expect.stringContaining(
          "the sender is an original browser client and cannot prove",
        ),
      },
    ]);
  });
});

describe("kad receive of an original client's room named like room + secret", () => {
  it.each([
    ["my-cool-room", "its split room is no room name"],
    ["shared-holiday-photos", "its split room does not exist"],
  ])("joins %s as a plain room (%s), with the cannot-be-verified warning", async (room) => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "note.txt"), "plain room\n");
    const files = [{ path: join(dir, "note.txt") }];
    const { sender, receiver } = await referenceSends(dir, files, [], room);
    const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
    expect(received.code, received.stderr).toBe(0);
    expect(sent.code, sent.stderr).toBe(0);
    expect(await readFile(join(dir, "out", "note.txt"), "utf8")).toBe("plain room\n");
    expect(receiver.events.filter((e) => e.event === "warning")).toHaveLength(1);
  });

  it("never tries a code kad could have made as a whole room: its secret would reach the server", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "note.txt"), "bait\n");
    const files = [{ path: join(dir, "note.txt") }];
    // A server faking "no room 7-tiger" would get the secret words if kad then joined the whole text.
    const { receiver } = await referenceSends(dir, files, [], "7-tiger-acid-acorn");
    const received = await receiver.exited;
    expect(received.code, received.stderr).not.toBe(0);
    expect(receiver.events.at(-1)).toMatchObject({ event: "error", code: "ROOM_NOT_FOUND" });
    expect(await readdir(join(dir, "out"))).toEqual([]);
  });
});

describe("kad receive -o - from an original browser sender", () => {
  it("writes the one file to stdout", async () => {
    const dir = await useTempDir();
    await writeRandomFile(join(dir, "piped.bin"), 50_000);
    const room = roomName();
    const sender = referencePeer(
      {
        role: "send",
        server: server.url,
        room,
        bind: "127.0.0.1",
        files: [{ path: join(dir, "piped.bin") }],
      },
      { cwd: dir },
    );
    await sender.waitFor((e) => e.event === "ready");
    const receiver = kad(["receive", "--quiet", "--server", server.url, "-o", "-", room], {
      cwd: dir,
      json: false,
    });
    const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
    expect(sent.code).toBe(0);
    expect(received.code, received.stderr).toBe(0);
    expect(received.stdout.equals(await readFile(join(dir, "piped.bin")))).toBe(true);
  });
});

/** The room part of a kad code: all an original client knows (it has no code check). */
const roomOf = (code: string) => code.split("-").slice(0, -2).join("-");

/** The reference peer as an original browser receiver in the room of `code`, saving into dir/got. */
function originalReceiver(code: string, dir: string, expectFiles: number) {
  return referencePeer(
    {
      role: "receive",
      server: server.url,
      room: roomOf(code),
      bind: "127.0.0.1",
      outDir: join(dir, "got"),
      expectFiles,
    },
    { cwd: dir },
  );
}

describe("kad send to an original browser receiver", () => {
  it("is refused without --allow-unverified-browser: it cannot prove the code", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "got"));
    await writeFile(join(dir, "a.txt"), "not for you\n");
    const { sender, code } = await startSend(server.url, ["a.txt"], { cwd: dir });
    const receiver = originalReceiver(code, dir, 1);
    const sent = await sender.exited;
    receiver.child.kill();
    expect(sent.code).toBe(1);
    expect(sender.events.at(-1)).toMatchObject({ event: "error", code: "UNVERIFIED_PEER" });
    expect(receiver.events.filter((e) => e.event === "received")).toEqual([]);
    expect(await readdir(join(dir, "got"))).toEqual([]);
  });

  it("with the flag sends plain metadata and bytes, warns, and takes the browser's close as completion", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "got"));
    await writeRandomFile(join(dir, "a.bin"), 200_000);
    await writeFile(join(dir, "b.txt"), "second\n");
    const { sender, code } = await startSend(
      server.url,
      ["--allow-unverified-browser", "a.bin", "b.txt"],
      { cwd: dir },
    );
    const receiver = originalReceiver(code, dir, 2);
    const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
    expect(received.code).toBe(0);
    expect(sent.code, sent.stderr).toBe(0);
    const got = receiver.events.filter((e) => e.event === "received");
    expect(got.map((e) => e.name)).toEqual(["a.bin", "b.txt"]);
    expect(got[0]?.sha256).toBe(await sha256File(join(dir, "a.bin")));
    expect(await readFile(String(got[1]?.path), "utf8")).toBe("second\n");
    expect(sender.events.at(-1)).toEqual({ event: "done", files: 2, bytes: 200_007 });
    const warnings = sender.events.filter((e) => e.event === "warning");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain("cannot prove it knows the code");
  });

  it("refuses to stream stdin to a receiver that cannot take an unknown size", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "got"));
    const { sender, code } = await startSend(server.url, ["--allow-unverified-browser", "-"], {
      cwd: dir,
    });
    sender.child.stdin?.end("data");
    const receiver = originalReceiver(code, dir, 1);
    const sent = await sender.exited;
    receiver.child.kill();
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain("cannot take a stream of unknown size");
  });
});

describe("a hostile sender", () => {
  it("cannot write outside the output directory with ../ names", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "work", "out"), { recursive: true });
    await writeFile(join(dir, "payload"), "gotcha\n");
    const files = [
      { path: join(dir, "payload"), name: "../../escaped.txt" },
      { path: join(dir, "payload"), name: "/tmp/../absolute.txt" },
    ];
    const { sender, receiver } = await referenceSends(join(dir, "work"), files);
    const [, received] = await Promise.all([sender.exited, receiver.exited]);
    expect(received.code).toBe(0);
    expect((await readdir(join(dir, "work", "out"))).sort()).toEqual(["escaped.txt", "tmp"]);
    expect(await readdir(join(dir, "work", "out", "tmp"))).toEqual(["absolute.txt"]);
    expect((await readdir(dir)).sort()).toEqual(["payload", "work"]);
    expect(await readdir(join(dir, "work"))).toEqual(["out"]);
  });

  it("with a garbage offer ends the receiver with a clean error, not a native abort", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "x"), "x");
    const room = roomName();
    const sender = referencePeer(
      {
        role: "send",
        server: server.url,
        room,
        bind: "127.0.0.1",
        files: [{ path: join(dir, "x") }],
        hostileOffer: "v=0\r\nm=nonsense\r\na=fingerprint:none\r\n",
      },
      { cwd: dir },
    );
    await sender.waitFor((e) => e.event === "ready");
    const receiver = kad(["receive", "--json", "--server", server.url, "-o", "out", room], {
      cwd: dir,
    });
    const received = await receiver.exited;
    sender.child.kill();
    expect(received.signal).toBeNull();
    expect(received.code).toBe(1);
    expect(receiver.events.at(-1)).toMatchObject({ event: "error", code: "PROTOCOL" });
    expect(await readdir(join(dir, "out"))).toEqual([]);
  });

  it("is refused when it sends more than it announced, and nothing is kept", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await writeRandomFile(join(dir, "blob"), 10_000);
    const { sender, receiver } = await referenceSends(dir, [
      { path: join(dir, "blob"), extraBytes: 5_000 },
    ]);
    const received = await receiver.exited;
    sender.child.kill();
    expect(received.code).toBe(1);
    expect(received.stderr).toContain("more than the 10000 bytes it announced");
    expect(receiver.events.at(-1)).toMatchObject({ event: "error", code: "PROTOCOL" });
    expect(await readdir(join(dir, "out"))).toEqual([]);
  });
});
