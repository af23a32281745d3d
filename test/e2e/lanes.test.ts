/**
 * Lanes, end to end between two kad processes: a large file's bytes striped
 * over extra peer connections arrive intact and in order, into a directory
 * or on a receiver's stdout (-o -); a receiver that turns lanes off
 * (KAD_LANES=0) gets every byte over the one connection.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { EXIT } from "../../src/util/errors.js";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, startSend } from "../helpers/transfer-cli.js";

/** Large enough that lanes open (LANE_MIN_BYTES) and carry bytes even on a loaded machine. */
const LARGE_BYTES = 160 * 1024 * 1024;

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

async function prepare(): Promise<string> {
  const dir = await useTempDir();
  await mkdir(join(dir, "out"));
  await writeRandomFile(join(dir, "large.bin"), LARGE_BYTES);
  await writeRandomFile(join(dir, "small.bin"), 1000);
  return dir;
}

/** Two lanes on both sides (the default depends on the CPU cores), unless `receiverEnv` says otherwise. */
async function transfer(dir: string, receiverEnv: NodeJS.ProcessEnv = {}) {
  const env = { KAD_LANES: "2" };
  const { sender, code } = await startSend(server.url, ["large.bin", "small.bin"], {
    cwd: dir,
    env,
  });
  const receiver = kad(["receive", "--json", "--server", server.url, "-o", "out", code], {
    cwd: dir,
    env: { ...env, ...receiverEnv },
  });
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  expect(sent.code, sent.stderr).toBe(0);
  expect(received.code, received.stderr).toBe(0);
  for (const name of ["large.bin", "small.bin"]) {
    expect(await sha256File(join(dir, "out", name))).toBe(await sha256File(join(dir, name)));
  }
  expect((await readdir(join(dir, "out"))).sort()).toEqual(["large.bin", "small.bin"]);
  const done = sender.events.find((e) => e.event === "done");
  // Shown when no lane carried bytes: what the sender said besides progress.
  const diagnostics =
    sent.stderr + JSON.stringify(sender.events.filter((e) => e.event !== "progress"));
  return { done, diagnostics };
}

describe("lanes", () => {
  it("stripes a large file over extra connections; the receiver puts it together intact", async () => {
    const { done, diagnostics } = await transfer(await prepare());
    expect(done?.lanes ?? 0, diagnostics).toBeGreaterThanOrEqual(1);
  });

  it("stripes a file for kad receive -o - too; stdout gets every byte in order", async () => {
    const dir = await prepare();
    const env = { KAD_LANES: "2" };
    const { sender, code } = await startSend(server.url, ["large.bin"], { cwd: dir, env });
    const receiver = kad(["receive", "--server", server.url, "-o", "-", code], {
      cwd: dir,
      env,
      json: false,
    });
    const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(received.code, received.stderr).toBe(0);
    expect(received.stdout.length).toBe(LARGE_BYTES);
    expect(createHash("sha256").update(received.stdout).digest("hex")).toBe(
      await sha256File(join(dir, "large.bin")),
    );
    const done = sender.events.find((e) => e.event === "done");
    const diagnostics =
      sent.stderr + JSON.stringify(sender.events.filter((e) => e.event !== "progress"));
    expect(done?.lanes ?? 0, diagnostics).toBeGreaterThanOrEqual(1);
  });

  it("KAD_LANES=0 on the receiver keeps every byte on the one connection", async () => {
    const { done } = await transfer(await prepare(), { KAD_LANES: "0" });
    expect(done).toMatchObject({ event: "done", files: 2, bytes: LARGE_BYTES + 1000 });
    expect(done?.lanes).toBeUndefined();
  });

  it("a KAD_LANES out of range is a usage error before anything starts", async () => {
    const run = kad(["send", "--json", "--server", server.url, "whatever"], {
      env: { KAD_LANES: "9" },
    });
    const ended = await run.exited;
    expect(ended.code).toBe(EXIT.usage);
    expect(ended.stderr).toMatch(/KAD_LANES=9/);
  });
});
