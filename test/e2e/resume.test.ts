/**
 * Resume, end to end: a transfer interrupted halfway (kill -9 of either side,
 * Ctrl-C of the receiver) leaves a partial; sending the same file again into
 * the same directory, under a new code, continues it, and the whole file's
 * SHA-256 is checked. A changed file is never stitched onto an old partial.
 */
import { mkdir, open, readdir, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, type Running, startSend } from "../helpers/transfer-cli.js";

const FILE_BYTES = 64 * 1024 * 1024;
/** Interrupt once the receiver holds this much: well inside the file. */
/** After the sender is frozen, time for what is already in flight to be stored. */
const SETTLE_MS = 500;

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

function receive(code: string, dir: string, extra: string[] = []): Running {
  return kad(["receive", "--json", "--server", server.url, "-o", "out", ...extra, code], {
    cwd: dir,
  });
}

/**
 * A transfer of big.bin into dir/out, interrupted by `interrupt` midway. On
 * loopback the whole file can cross before a test reacts to a progress
 * event, so the sender is frozen at the first one (the bytes in flight, at
 * most its 16 MiB window, still arrive), and killed once the receiver ended.
 */
async function interruptedTransfer(
  dir: string,
  interrupt: (sides: { sender: Running; receiver: Running }) => void,
  receiveArgs: string[] = [],
) {
  const { sender, code } = await startSend(server.url, ["big.bin"], { cwd: dir });
  const receiver = receive(code, dir, receiveArgs);
  await receiver.waitFor((e) => e.event === "progress");
  sender.child.kill("SIGSTOP");
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  interrupt({ sender, receiver });
  void receiver.exited.then(() => sender.child.kill("SIGKILL"));
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  expect(sent.code).not.toBe(0);
  expect(received.code).not.toBe(0);
}

/** Sends big.bin again under a new code; returns the receiver's file event. */
async function sendAgain(dir: string) {
  const { sender, code } = await startSend(server.url, ["big.bin"], { cwd: dir });
  const receiver = receive(code, dir);
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  expect(sent.code, sent.stderr).toBe(0);
  expect(received.code, received.stderr).toBe(0);
  expect(await sha256File(join(dir, "out", "big.bin"))).toBe(
    await sha256File(join(dir, "big.bin")),
  );
  expect(await readdir(join(dir, "out"))).toEqual(["big.bin"]);
  return receiver.events.find((e) => e.event === "file");
}

async function partialsIn(dir: string): Promise<string[]> {
  return (await readdir(join(dir, "out"))).filter((name) => name.startsWith(".kad-")).sort();
}

async function prepare(): Promise<string> {
  const dir = await useTempDir();
  await writeRandomFile(join(dir, "big.bin"), FILE_BYTES);
  await mkdir(join(dir, "out"));
  return dir;
}

function ctrlC({ receiver }: { receiver: Running }): void {
  receiver.child.kill("SIGINT");
}

describe("resume", () => {
  it("continues after kill -9 of the receiver", async () => {
    const dir = await prepare();
    await interruptedTransfer(dir, ({ receiver }) => receiver.child.kill("SIGKILL"));
    expect(await partialsIn(dir)).toEqual([
      expect.stringMatching(/\.part$/),
      expect.stringMatching(/\.resume\.json$/),
    ]);
    const file = await sendAgain(dir);
    expect(Number(file?.offset)).toBeGreaterThan(0);
  });

  it("continues after kill -9 of the sender", async () => {
    const dir = await prepare();
    await interruptedTransfer(dir, ({ sender }) => sender.child.kill("SIGKILL"));
    const file = await sendAgain(dir);
    expect(Number(file?.offset)).toBeGreaterThan(0);
  });

  it("continues after Ctrl-C of the receiver, and --no-resume keeps nothing", async () => {
    const dir = await prepare();
    await interruptedTransfer(dir, ctrlC);
    const file = await sendAgain(dir);
    expect(Number(file?.offset)).toBeGreaterThan(0);

    const other = await prepare();
    await interruptedTransfer(other, ({ receiver }) => receiver.child.kill("SIGINT"), [
      "--no-resume",
    ]);
    expect(await partialsIn(other)).toEqual([]);
  });

  it("continues after the network went silent (sender frozen) and the receiver timed out", async () => {
    const dir = await prepare();
    await interruptedTransfer(
      dir,
      // The frozen sender sends no more packets and closes nothing: what a
      // dropped network looks like to the receiver, until its --timeout.
      () => {},
      ["--timeout", "3"],
    );
    const file = await sendAgain(dir);
    expect(Number(file?.offset)).toBeGreaterThan(0);
  });

  it("never stitches a changed file: same size and time, other bytes inside the part already received", async () => {
    const dir = await prepare();
    await interruptedTransfer(dir, ({ receiver }) => receiver.child.kill("SIGKILL"));
    const [part] = (await partialsIn(dir)).filter((name) => name.endsWith(".part"));
    const held = (await stat(join(dir, "out", String(part)))).size;
    expect(held).toBeGreaterThan(0);
    const path = join(dir, "big.bin");
    const before = await stat(path);
    const handle = await open(path, "r+");
    // The last bytes the receiver holds: past the identity's first 64 KiB
    // when the partial is that long, so only the prefix check can catch it.
    const changeAt = Math.max(0, held - 4096);
    await handle.write(Buffer.alloc(4096, 0x5a), 0, 4096, changeAt);
    await handle.close();
    await utimes(path, before.atime, before.mtime);
    const file = await sendAgain(dir);
    expect(file?.offset).toBe(0);
  });
});
