/** kad send serves one receiver: a second one is told so at once, and the first is unharmed. */
import { mkdir, readFile } from "node:fs/promises";
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

it("a second receiver exits 3 right away while the first one is still receiving", async () => {
  const dir = await useTempDir();
  await mkdir(join(dir, "one"));
  await mkdir(join(dir, "two"));
  const { sender, code } = await startSend(server.url, ["-"], { cwd: dir });
  const part = Buffer.alloc(256 * 1024, 1);
  sender.child.stdin?.write(part);
  const first = kad(["receive", "--json", "--server", server.url, "-o", "one", code], { cwd: dir });
  await first.waitFor((event) => event.event === "progress");

  // The sender's stdin is still open: without the check this would wait until it ends.
  const second = kad(["receive", "--json", "--server", server.url, "-o", "two", code], {
    cwd: dir,
  });
  const refused = await second.exited;
  expect(refused.code).toBe(3);
  expect(second.events.at(-1)).toEqual({
    event: "error",
    code: "PEER_UNREACHABLE",
    message: "another receiver already took this transfer",
  });

  sender.child.stdin?.end(part);
  const [sent, received] = await Promise.all([sender.exited, first.exited]);
  expect(sent.code).toBe(0);
  expect(received.code).toBe(0);
  expect(await readFile(join(dir, "one", "stdin"))).toEqual(Buffer.concat([part, part]));
});
