/**
 * Each refusal of a join keeps its own code from the wire to the user: the
 * shared signaling client passes it on, and `kad receive --json` reports it
 * with its own exit code (a full room is not "code taken", too many attempts
 * is not "server unreachable").
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { splitCode } from "../../src/code/share-code.js";
import { createRoom, lookupRoom } from "../../src/protocol/coordinator-client.js";
import { openSignaling } from "../../src/session/connections.js";
import { isKadError } from "../../src/util/errors.js";
import { writeRandomFile } from "../helpers/files.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, startSend } from "../helpers/transfer-cli.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({
    host: "127.0.0.1",
    port: 0,
    limits: { maxMembersPerRoom: 2, failedConnectsPerRoom: 1 },
  });
});

afterAll(async () => {
  await server?.close();
});

async function receive(args: string[]) {
  const child = kad(["receive", "--json", "--server", server.url, ...args]);
  const result = await child.exited;
  return { exit: result.code, errors: child.events.filter((e) => e.event === "error") };
}

async function joinError(roomname: string, username: string, password = ""): Promise<unknown> {
  const { webSocketUri } = await lookupRoom(fetch, server.url, roomname);
  const client = await openSignaling(webSocketUri);
  try {
    await client.join({ username, roomname, password });
    return undefined;
  } catch (error) {
    return isKadError(error) ? error.code : error;
  } finally {
    client.close();
  }
}

describe("the shared signaling client keeps each join refusal's code", () => {
  it("USERNAME_CONFLICT for a taken name, ROOM_FULL for a full room", async () => {
    const roomname = "refusals-client-1";
    const uri = await createRoom(fetch, server.url, { username: "alice", roomname });
    const alice = await openSignaling(uri);
    await alice.join({ username: "alice", roomname, password: "" });
    try {
      expect(await joinError(roomname, "alice")).toBe("USERNAME_CONFLICT");
      const bob = await openSignaling(uri);
      await bob.join({ username: "bob", roomname, password: "" });
      expect(await joinError(roomname, "carol")).toBe("ROOM_FULL");
      bob.close();
    } finally {
      alice.close();
    }
  });
});

describe("kad receive --json reports each refusal under its own code", () => {
  it("a full room: ROOM_FULL, exit 3", async () => {
    const dir = await useTempDir();
    const source = join(dir, "a.bin");
    await writeRandomFile(source, 1000);
    const { sender, code } = await startSend(server.url, [source]);
    // A second member fills the two-member room before kad receive comes.
    const roomname = splitCode(code)?.room ?? code;
    const { webSocketUri } = await lookupRoom(fetch, server.url, roomname);
    const other = await openSignaling(webSocketUri);
    await other.join({ username: "someone-else", roomname, password: "" });
    try {
      const { exit, errors } = await receive([code]);
      expect(errors).toEqual([
        { event: "error", code: "ROOM_FULL", message: "the room under that code is full" },
      ]);
      expect(exit).toBe(3);
    } finally {
      other.close();
      sender.child.kill("SIGTERM");
      await sender.exited;
    }
  });

  it("too many wrong passwords for a room: CREDENTIALS (exit 1), then RATE_LIMITED (exit 3)", async () => {
    const dir = await useTempDir();
    const source = join(dir, "b.bin");
    await writeRandomFile(source, 1000);
    const { sender, code } = await startSend(server.url, [source], {
      env: { KAD_PASSWORD: "right one" },
    });
    try {
      const first = await receive(["--password", "wrong", code]);
      expect(first.errors.map((e) => e.code)).toEqual(["CREDENTIALS"]);
      expect(first.exit).toBe(1);
      const second = await receive(["--password", "wrong again", code]);
      expect(second.errors).toEqual([
        {
          event: "error",
          code: "RATE_LIMITED",
          message: "the server refused: too many failed attempts",
        },
      ]);
      expect(second.exit).toBe(3);
    } finally {
      sender.child.kill("SIGTERM");
      await sender.exited;
    }
  });
});
