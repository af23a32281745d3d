/**
 * kad receive against a crafted sender (test/helpers/reference-peer.mjs in
 * hostile mode): names that try to leave the output directory through a
 * symbolic link, and names and messages that try to drive the terminal.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, referencePeer } from "../helpers/transfer-cli.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

let roomCounter = 0;

async function hostileSends(
  dir: string,
  sender: Record<string, unknown>,
  receiveArgs: string[],
  json = true,
) {
  roomCounter += 1;
  const room = `hostile-room-${process.pid}-${roomCounter}`;
  const peer = referencePeer(
    { role: "send", server: server.url, room, bind: "127.0.0.1", ...sender },
    { cwd: dir },
  );
  await peer.waitFor((e) => e.event === "ready");
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
