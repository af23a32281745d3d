/**
 * `kad receive CODE -o - | head -c 1000`: the reader of stdout stops early.
 * kad ends with a one-line message and exit 1 (never an unhandled EPIPE stack
 * trace), and the sender hears why.
 */
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { writeRandomFile } from "../helpers/files.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, startSend } from "../helpers/transfer-cli.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

it("a reader of -o - that goes away ends the receiver cleanly with exit 1", async () => {
  const dir = await useTempDir();
  await writeRandomFile(join(dir, "big.bin"), 32 * 1024 * 1024);
  const { sender, code } = await startSend(server.url, ["big.bin"], { cwd: dir });
  const receiver = kad(["receive", "--server", server.url, "-o", "-", code], {
    cwd: dir,
    json: false,
  });
  // Like `head -c 1000`: read a little, then close the pipe.
  receiver.child.stdout?.once("data", () => receiver.child.stdout?.destroy());
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  expect(received.stderr).not.toMatch(/EPIPE|Unhandled|at .*\.js/);
  expect(received.stderr).toContain(
    "kad: the program reading stdout stopped before the stream ended",
  );
  expect(received.code).toBe(1);
  expect(sent.code).not.toBe(0);
  expect(sender.events.at(-1)).toMatchObject({ event: "error" });
});
