/**
 * A directory of a few hundred small files: one initiate chain per file must
 * stay within the server's frame budget (QA saw the socket closed as
 * "flooding" after ~70 files).
 */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, startSend } from "../helpers/transfer-cli.js";

const FILES = 300;
let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

it(`sends a directory of ${FILES} tiny files`, async () => {
  const dir = await useTempDir();
  await mkdir(join(dir, "many"));
  await mkdir(join(dir, "out"));
  for (let i = 1; i <= FILES; i++) await writeFile(join(dir, "many", `f${i}.txt`), `${i}\n`);
  const { sender, code } = await startSend(server.url, ["many"], { cwd: dir });
  const receiver = kad(["receive", "--json", "--server", server.url, "-o", "out", code], {
    cwd: dir,
  });
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  expect(sent.stderr).toBe("");
  expect(sent.code).toBe(0);
  expect(received.code).toBe(0);
  expect(receiver.events.at(-1)).toEqual({
    event: "done",
    files: FILES,
    bytes: expect.any(Number),
  });
  expect(await readdir(join(dir, "out", "many"))).toHaveLength(FILES);
});
