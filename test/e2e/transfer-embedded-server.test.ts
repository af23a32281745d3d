/**
 * With no --server, kad send runs the signaling server itself and folds its
 * address into the code. These tests run both peers inside network namespaces
 * created here, so nothing touches the machine's real interfaces: one with only
 * `lo` up (the LAN address falls back to 127.0.0.1), one with a veth address in
 * 198.18.0.0/15 standing in for a LAN.
 */
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { createNetNamespace, NAMESPACE_ADDRESS } from "../helpers/netns.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad } from "../helpers/transfer-cli.js";

const run = promisify(execFile);
const cleanups: Array<() => Promise<unknown>> = [];
let counter = 0;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function loopbackOnlyNamespace(): Promise<string> {
  counter += 1;
  const name = `kad-lo-${process.pid}-${counter}`;
  await run("ip", ["netns", "add", name]);
  cleanups.push(() => run("ip", ["netns", "delete", name]));
  await run("ip", ["netns", "exec", name, "ip", "link", "set", "lo", "up"]);
  return name;
}

const NO_SERVER = { KAD_SERVER: undefined, KAD_BIND: undefined };

async function sendAndReceive(netns: string) {
  const dir = await useTempDir();
  await mkdir(join(dir, "out"));
  await writeRandomFile(join(dir, "lan.bin"), 500_000);
  const sender = kad(["send", "--json", "lan.bin"], { cwd: dir, netns, env: NO_SERVER });
  const codeEvent = await sender.waitFor((e) => e.event === "code");
  const code = String(codeEvent.code);
  const receiver = kad(["receive", "--json", "-o", "out", code], {
    cwd: dir,
    netns,
    env: NO_SERVER,
  });
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  expect(received.code, received.stderr).toBe(0);
  expect(sent.code, sent.stderr).toBe(0);
  expect(await sha256File(join(dir, "out", "lan.bin"))).toBe(
    await sha256File(join(dir, "lan.bin")),
  );
  return { codeEvent, code };
}

describe("kad send without --server", () => {
  it("serves on 127.0.0.1 where only lo is up, and the code leads the receiver there", async () => {
    const { codeEvent, code } = await sendAndReceive(await loopbackOnlyNamespace());
    expect(code).toMatch(/^1-\d{1,5}(-[a-z]+){3}$/);
    const port = code.split("-")[1];
    expect(codeEvent.server).toBe(`http://127.0.0.1:${port}`);
    expect(codeEvent.command).toBe(`kad receive ${code}`);
    expect(codeEvent.url).toBe(
      `http://127.0.0.1:${port}/#/${code.replace(/-([a-z]+-[a-z]+)$/, "/$1")}`,
    );
  });

  it("serves on the LAN address and the receiver completes it from its own interfaces", async () => {
    const namespace = await createNetNamespace();
    cleanups.push(() => namespace.destroy());
    const { codeEvent, code } = await sendAndReceive(namespace.name);
    const octet = NAMESPACE_ADDRESS.split(".")[3];
    expect(code).toMatch(new RegExp(`^${octet}-\\d{1,5}(-[a-z]+){3}$`));
    expect(codeEvent.server).toBe(`http://${NAMESPACE_ADDRESS}:${code.split("-")[1]}`);
  });

  it("a receiver with an unknown embedded code finds nobody and exits 3", async () => {
    const netns = await loopbackOnlyNamespace();
    const dir = await useTempDir();
    await writeFile(join(dir, "x"), "x");
    const result = await kad(["receive", "1-9-acid-acid-acid"], {
      cwd: dir,
      netns,
      env: NO_SERVER,
      json: false,
    }).exited;
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("no kad send with that code answers on this network");
  });
});
