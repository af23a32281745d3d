/**
 * `kad receive --wait`: a script may start the receiver before the sender,
 * both with an agreed code. Without --wait a code nobody sends under is
 * refused at once (a typo should not hang); with it the receiver looks the
 * code up again until a sender opens it, or until --timeout.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { writeRandomFile } from "../helpers/files.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, type Running, referencePeer, uniqueRoomName } from "../helpers/transfer-cli.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

/** Resolves once the process wrote `text` on stderr (plain output, not --json). */
function stderrShows(run: Running, text: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = "";
    run.child.stderr?.on("data", (data: Buffer) => {
      seen += data.toString();
      if (seen.includes(text)) resolve();
    });
  });
}

describe("kad receive --wait", () => {
  it("started before the sender, receives once kad send --code opens the code", async () => {
    const dir = await useTempDir();
    const source = join(dir, "early.bin");
    await writeRandomFile(source, 300_000);
    const code = `${uniqueRoomName("wait")}-piano-oak`;
    const receiver = kad(["receive", "--wait", "--server", server.url, "-o", "out", code], {
      cwd: dir,
      json: false,
    });
    await stderrShows(receiver, "nobody sends under that code yet; waiting");
    const sender = kad(["send", "--json", "--server", server.url, "--code", code, source]);
    const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(received.code, received.stderr).toBe(0);
    expect(await readFile(join(dir, "out", "early.bin"))).toEqual(await readFile(source));
  });

  it("joining a room its maker has not entered yet, waits for the sender in it", async () => {
    // kad send makes the room, then joins it: a receiver polling with --wait
    // can get in between and find the room empty. Here the gap is held open.
    const dir = await useTempDir();
    await writeRandomFile(join(dir, "late.bin"), 50_000);
    const room = uniqueRoomName("wait-empty");
    const made = await fetch(`${server.url}/rooms`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ username: "maker", roomname: room }),
    });
    expect(made.status).toBe(201);
    const receiver = kad(
      ["receive", "--wait", "--idle-exit", "1", "--server", server.url, "-o", "out", room],
      { cwd: dir, json: false },
    );
    await stderrShows(receiver, "waiting for the sender");
    const sender = referencePeer(
      {
        role: "send",
        server: server.url,
        room,
        existingRoom: true,
        bind: "127.0.0.1",
        files: [{ path: join(dir, "late.bin") }],
      },
      { cwd: dir },
    );
    const [received] = await Promise.all([receiver.exited, sender.exited]);
    expect(received.code, received.stderr).toBe(0);
    expect(await readFile(join(dir, "out", "late.bin"))).toEqual(
      await readFile(join(dir, "late.bin")),
    );
  });

  it("gives up after --timeout with exit 5 when no sender comes", async () => {
    const code = `${uniqueRoomName("wait-none")}-piano-oak`;
    const receiver = kad([
      "receive",
      "--json",
      "--wait",
      "--timeout",
      "1",
      "--server",
      server.url,
      code,
    ]);
    const result = await receiver.exited;
    expect(result.code).toBe(5);
    expect(receiver.events.at(-1)).toMatchObject({
      event: "error",
      code: "TIMEOUT",
      message: "timed out waiting for a sender under that code",
    });
  });

  it("without --wait, a code nobody sends under is refused at once (exit 3)", async () => {
    const code = `${uniqueRoomName("no-wait")}-piano-oak`;
    const receiver = kad(["receive", "--json", "--server", server.url, code]);
    const result = await receiver.exited;
    expect(result.code).toBe(3);
    expect(receiver.events.at(-1)).toMatchObject({ event: "error", code: "ROOM_NOT_FOUND" });
  });
});
