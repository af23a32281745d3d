/** `kad receive -o -` takes one file: a sender of several says so up front, and so does the receiver. */
import { writeFile } from "node:fs/promises";
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

it("several files to a -o - receiver: both sides name the reason, nothing reaches stdout", async () => {
  const dir = await useTempDir();
  await writeFile(join(dir, "a.txt"), "a");
  await writeFile(join(dir, "b.txt"), "b");
  const { sender, code } = await startSend(server.url, ["a.txt", "b.txt"], { cwd: dir });
  const receiver = kad(["receive", "--server", server.url, "-o", "-", code], {
    cwd: dir,
    json: false,
  });
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  const reason = "the receiver writes to stdout (-o -) and takes one file, but 2 were given";
  expect(sent.code).toBe(2);
  expect(sender.events.at(-1)).toEqual({ event: "error", code: "USAGE", message: reason });
  expect(received.stdout.length).toBe(0);
  expect(received.code).toBe(1);
  expect(received.stderr).toContain(reason);
});
