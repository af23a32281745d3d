/** SIGTERM ends kad send / kad receive cleanly with 143 (128 + 15), not Ctrl-C's 130. */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
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

it("SIGTERM mid-transfer exits 143 on the side that got it, leaving nothing behind", async () => {
  const dir = await useTempDir();
  await mkdir(join(dir, "out"));
  const { sender, code } = await startSend(server.url, ["-"], { cwd: dir });
  sender.child.stdin?.write(Buffer.alloc(1024 * 1024, 5));
  const receiver = kad(["receive", "--json", "--server", server.url, "-o", "out", code], {
    cwd: dir,
  });
  await receiver.waitFor((event) => event.event === "progress");
  receiver.child.kill("SIGTERM");
  const received = await receiver.exited;
  sender.child.kill("SIGTERM");
  const sent = await sender.exited;
  expect(received.code).toBe(143);
  expect(receiver.events.at(-1)).toMatchObject({ event: "error", code: "TERMINATED" });
  expect(received.stderr).toContain("kad: terminated (SIGTERM)");
  expect(await readdir(join(dir, "out"))).toEqual([]);
  expect([3, 143]).toContain(sent.code);
});

it("SIGTERM while waiting for a receiver exits 143", async () => {
  const dir = await useTempDir();
  await writeFile(join(dir, "x.txt"), "x");
  const { sender } = await startSend(server.url, ["x.txt"], { cwd: dir });
  sender.child.kill("SIGTERM");
  const sent = await sender.exited;
  expect(sent.code).toBe(143);
  expect(sender.events.at(-1)).toMatchObject({ event: "error", code: "TERMINATED" });
});

it("Ctrl-C on the sender mid-file reaches the receiver as a cancel, not a lost connection", async () => {
  const dir = await useTempDir();
  await mkdir(join(dir, "out"));
  const { sender, code } = await startSend(server.url, ["-"], { cwd: dir });
  sender.child.stdin?.write(Buffer.alloc(1024 * 1024, 6));
  const receiver = kad(["receive", "--json", "--server", server.url, "-o", "out", code], {
    cwd: dir,
  });
  await receiver.waitFor((event) => event.event === "progress");
  sender.child.kill("SIGINT");
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  expect(sent.code).toBe(130);
  expect(received.code).toBe(3);
  expect(receiver.events.at(-1)).toEqual({
    event: "error",
    code: "PEER_LEFT",
    message: "the peer cancelled the transfer",
  });
  expect(await readdir(join(dir, "out"))).toEqual([]);
});
