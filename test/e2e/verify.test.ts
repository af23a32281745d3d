/**
 * --verify through the built CLI, real WebRTC on loopback: both sides show
 * the same five words from the key; kad send asks on its terminal (a real
 * one through `script`), and without one proceeds only with KAD_VERIFY=yes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, startSend } from "../helpers/transfer-cli.js";

const KAD = resolve(import.meta.dirname, "../../bin/kad");
const FIVE_WORDS = /^[a-z]+( [a-z]+){4}$/;

let server: RunningServer;
const terminals = new Set<ChildProcess>();

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterEach(() => {
  for (const child of terminals) child.kill("SIGKILL");
  terminals.clear();
});

afterAll(async () => {
  await server?.close();
});

async function fileToSend() {
  const dir = await useTempDir();
  await writeRandomFile(join(dir, "checked.bin"), 20_000);
  await mkdir(join(dir, "out"));
  return dir;
}

function receive(code: string, dir: string) {
  return kad(["receive", "--json", "--verify", "--server", server.url, "-o", "out", code], {
    cwd: dir,
  });
}

it("without a terminal, KAD_VERIFY=yes: both sides print the same five words, then the file goes", async () => {
  const dir = await fileToSend();
  const { sender, code } = await startSend(server.url, ["--verify", "checked.bin"], {
    cwd: dir,
    env: { KAD_VERIFY: "yes" },
  });
  const receiver = receive(code, dir);
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  expect(sent.code, sent.stderr).toBe(0);
  expect(received.code, received.stderr).toBe(0);
  const senderWords = sender.events.find((e) => e.event === "verify")?.words;
  const receiverWords = receiver.events.find((e) => e.event === "verify")?.words;
  expect(senderWords).toMatch(FIVE_WORDS);
  expect(receiverWords).toBe(senderWords);
  expect(await sha256File(join(dir, "out", "checked.bin"))).toBe(
    await sha256File(join(dir, "checked.bin")),
  );
});

it("without a terminal and without KAD_VERIFY=yes: kad send stops before any byte (exit 2)", async () => {
  const dir = await fileToSend();
  const { sender, code } = await startSend(server.url, ["--verify", "checked.bin"], {
    cwd: dir,
    env: { KAD_VERIFY: undefined },
  });
  const receiver = receive(code, dir);
  const sent = await sender.exited;
  expect(sent.code, sent.stderr).toBe(2);
  expect(sender.events.at(-1)).toMatchObject({ event: "error", code: "USAGE" });
  await receiver.exited;
  expect(await readdir(join(dir, "out"))).toEqual([]);
});

/** kad send --verify on a real terminal (util-linux `script`), answering `answer` to its question. */
function sendOnTerminal(dir: string, answer: string) {
  const command = `${process.execPath} ${KAD} send --json --verify --timeout 3 --server ${server.url} checked.bin`;
  const child = spawn("script", ["-qefc", command, "/dev/null"], {
    cwd: dir,
    env: { ...process.env, KAD_VERIFY: undefined, NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  terminals.add(child);
  let output = "";
  let answered = false;
  const exited = new Promise<number | null>((done) => child.once("exit", done));
  const code = new Promise<string>((found) => {
    child.stdout.on("data", (data: Buffer) => {
      output += data.toString().replaceAll("\r", "");
      const match = /"event":"code","code":"([^"]+)"/.exec(output);
      if (match?.[1]) found(match[1]);
      if (!answered && output.includes("[y/N]")) {
        answered = true;
        child.stdin.write(`${answer}\n`);
      }
    });
  });
  return { code, exited, output: () => output };
}

it("on a terminal: kad send shows the words and asks; yes sends, and the receiver saw the same words", async () => {
  const dir = await fileToSend();
  const sender = sendOnTerminal(dir, "y");
  const receiver = receive(await sender.code, dir);
  const received = await receiver.exited;
  expect(received.code, `${received.stderr}\n${sender.output()}`).toBe(0);
  expect(await sender.exited).toBe(0);
  const words = String(receiver.events.find((e) => e.event === "verify")?.words);
  expect(words).toMatch(FIVE_WORDS);
  expect(sender.output()).toContain(`Does the receiver see these words: ${words}? [y/N]`);
  expect(await readdir(join(dir, "out"))).toEqual(["checked.bin"]);
});

it("on a terminal: no for an answer stops both sides, nothing written", async () => {
  const dir = await fileToSend();
  const sender = sendOnTerminal(dir, "n");
  const receiver = receive(await sender.code, dir);
  expect(await sender.exited, sender.output()).toBe(6);
  const received = await receiver.exited;
  expect(received.code, received.stderr).toBe(6);
  expect(receiver.events.at(-1)).toMatchObject({ event: "error", code: "BAD_CODE" });
  expect(await readdir(join(dir, "out"))).toEqual([]);
});
