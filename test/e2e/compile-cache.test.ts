/**
 * The launcher's code cache (src/launch/compile-cache.ts) through the built
 * CLI: a successful run writes its command's cache, later runs take it as it
 * is (one V8 refused would be written again), a cache that is not one is
 * replaced, and runs that failed or only showed help write nothing.
 */
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { writeRandomFile } from "../helpers/files.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { KAD, kad, startSend } from "../helpers/transfer-cli.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

async function transfer(cacheDir: string): Promise<void> {
  const dir = await useTempDir();
  const source = join(dir, "cached.bin");
  await writeRandomFile(source, 200_000);
  const env = { KAD_COMPILE_CACHE: cacheDir };
  const { sender, code } = await startSend(server.url, [source], { env });
  const receiver = kad(["receive", "--json", "--server", server.url, "-o", "out", code], {
    env,
    cwd: dir,
  });
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  expect(sent.code, sent.stderr).toBe(0);
  expect(received.code, received.stderr).toBe(0);
}

async function cacheFiles(dir: string): Promise<Map<string, { ino: number; mtimeMs: number }>> {
  const files = new Map<string, { ino: number; mtimeMs: number }>();
  for (const name of (await readdir(dir)).sort()) {
    const { ino, mtimeMs } = await stat(join(dir, name));
    files.set(name, { ino, mtimeMs });
  }
  return files;
}

it("the built bundle has no import(), which Node 20 cannot run from a code cache", async () => {
  const bundle = await readFile(join(KAD, "..", "..", "dist", "cli.cjs"), "utf8");
  expect(bundle).not.toMatch(/\bimport\(/);
});

it("a first transfer writes the send and receive caches; the next takes them as they are", async () => {
  const cacheDir = join(await useTempDir(), "cache");
  await transfer(cacheDir);
  const written = await cacheFiles(cacheDir);
  expect([...written.keys()].map((name) => name.split("-")[0])).toEqual(["receive", "send"]);
  for (const name of written.keys()) {
    expect((await stat(join(cacheDir, name))).mode & 0o777).toBe(0o600);
  }
  await transfer(cacheDir);
  expect(await cacheFiles(cacheDir)).toEqual(written);
});

it("a cache V8 refuses is written again, and the transfer does not notice", async () => {
  const cacheDir = join(await useTempDir(), "cache");
  await transfer(cacheDir);
  const names = [...(await cacheFiles(cacheDir)).keys()];
  const garbage = Buffer.alloc(4096, 7);
  for (const name of names) await writeFile(join(cacheDir, name), garbage);
  await transfer(cacheDir);
  for (const name of names) {
    const rewritten = await readFile(join(cacheDir, name));
    expect(rewritten.length).toBeGreaterThan(garbage.length);
  }
});

it("a failed run and a command's help write no cache", async () => {
  const cacheDir = join(await useTempDir(), "cache");
  const dir = await useTempDir();
  await writeFile(join(dir, "a.txt"), "a");
  const env = { KAD_COMPILE_CACHE: cacheDir };
  const failed = await kad(["send", "--json", "--server", "http://127.0.0.1:9", "a.txt"], {
    env,
    cwd: dir,
  }).exited;
  expect(failed.code).toBe(3);
  const help = await kad(["send", "--help"], { env, json: false }).exited;
  expect(help.code).toBe(0);
  await expect(readdir(cacheDir)).rejects.toMatchObject({ code: "ENOENT" });
});
