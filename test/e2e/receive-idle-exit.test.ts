/**
 * An original browser sender never says that the session is over, and its tab
 * may stay open: after a complete file from it, kad receive finishes with
 * exit 0 once no new file starts within --idle-exit seconds (or at once when
 * the sender leaves, see transfer-reference-peer.test.ts).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, referencePeer, uniqueRoomName } from "../helpers/transfer-cli.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

/** An open browser tab that sends one file and stays in the room, and a kad receive for it. */
async function browserStaysOpen(receiveArgs: string[]) {
  const dir = await useTempDir();
  await mkdir(join(dir, "out"));
  await writeFile(join(dir, "note.txt"), "from a tab\n");
  const room = uniqueRoomName("idle-exit");
  const files = [{ path: join(dir, "note.txt") }];
  const sender = referencePeer(
    { role: "send", server: server.url, room, bind: "127.0.0.1", files, stay: true },
    { cwd: dir },
  );
  await sender.waitFor((e) => e.event === "ready");
  let senderGone = false;
  sender.child.once("exit", () => {
    senderGone = true;
  });
  const receiver = kad(
    ["receive", "--json", "--server", server.url, "-o", "out", ...receiveArgs, room],
    { cwd: dir },
  );
  return { sender, receiver, senderGone: () => senderGone };
}

async function expectDoneWhileTheTabStaysOpen(receiveArgs: string[]) {
  const { sender, receiver, senderGone } = await browserStaysOpen(receiveArgs);
  const received = await receiver.exited;
  const senderStillThere = !senderGone();
  sender.child.stdin?.end("leave\n");
  expect(received.code, received.stderr).toBe(0);
  expect(senderStillThere).toBe(true);
  expect(receiver.events.at(-1)).toEqual({ event: "done", files: 1, bytes: 11 });
}

describe("kad receive from an original browser sender that stays in the room", () => {
  it("finishes with exit 0 when no new file starts within --idle-exit seconds", async () => {
    await expectDoneWhileTheTabStaysOpen(["--idle-exit", "2"]);
  });

  it("finishes by itself with the default idle time too", async () => {
    await expectDoneWhileTheTabStaysOpen([]);
  });

  it("with --idle-exit 0 waits for the sender to leave, but not past --timeout", async () => {
    const { sender, receiver } = await browserStaysOpen(["--idle-exit", "0", "--timeout", "2"]);
    const received = await receiver.exited;
    sender.child.stdin?.end("leave\n");
    expect(received.code).toBe(5);
    expect(receiver.events.at(-1)).toMatchObject({ event: "error", code: "TIMEOUT" });
    expect(receiver.events.some((e) => e.event === "file-done")).toBe(true);
  });
});

it("--idle-exit takes seconds: anything else is a usage error, and --help documents it", async () => {
  const bad = await kad(["receive", "--idle-exit", "soon", "1-a-b"], { json: false }).exited;
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("must be a number of seconds");
  const help = await kad(["receive", "--help"], { json: false }).exited;
  expect(help.code).toBe(0);
  expect(help.stdout.toString()).toMatch(/--idle-exit <seconds>[\s\S]*default: 10/);
});
