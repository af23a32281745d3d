/**
 * The package as a user installs it: `npm pack`, `npm install -g` of the
 * tarball into a fresh prefix, then the installed `kad` moves a file over
 * loopback. Catches a `files` list that leaves out what runs (dist/, the web
 * page) or ships what does not belong (sources, tests, benches).
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { spawnNode } from "../helpers/transfer-cli.js";

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, "../..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const INSTALL_PATIENCE_MS = 180_000;

let dir: string;
let server: RunningServer;
let prefix: string;
let packedFiles: string[];

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
  dir = await mkdtemp(join(tmpdir(), "kad-pack-"));
  const packDir = join(dir, "pack");
  prefix = join(dir, "prefix");
  await mkdir(packDir);
  // The suite has just built dist/; packing must not rebuild it.
  const { stdout } = await run(
    NPM,
    ["pack", "--json", "--ignore-scripts", "--pack-destination", packDir],
    { cwd: REPO },
  );
  const [packed] = JSON.parse(stdout) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  if (!packed) throw new Error(`npm pack printed no package: ${stdout}`);
  packedFiles = packed.files.map((file) => file.path);
  await run(
    NPM,
    [
      "install",
      "-g",
      "--prefix",
      prefix,
      "--no-audit",
      "--no-fund",
      join(packDir, packed.filename),
    ],
    { cwd: dir, timeout: INSTALL_PATIENCE_MS },
  );
}, INSTALL_PATIENCE_MS + 20_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("ships what runs and nothing else", () => {
  expect(packedFiles).toEqual(
    expect.arrayContaining([
      "bin/kad",
      "bin/kad-signaling-server",
      "bin/package.json",
      "dist/launch.cjs",
      "dist/cli.cjs",
      "dist/server.cjs",
      "dist/web/index.html",
      "dist/web/app.js",
      "README.md",
      "LICENSE",
    ]),
  );
  const strays = packedFiles.filter((path) =>
    /^(src|test|bench|signaling-server|dist\/bench)\//.test(path),
  );
  expect(strays).toEqual([]);
  expect(packedFiles.filter((path) => path.endsWith(".map"))).toEqual([]);
});

it("the installed kad prints its version and sends a file over loopback", async () => {
  const installedKad = join(prefix, "bin", "kad");
  const { stdout } = await run(installedKad, ["--version"]);
  const manifest = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as {
    version: string;
  };
  expect(stdout.trim()).toBe(manifest.version);

  const file = join(dir, "payload.bin");
  await writeRandomFile(file, 3 * 1024 * 1024);
  await mkdir(join(dir, "out"));
  const sender = spawnNode(installedKad, ["send", "--json", "--server", server.url, file]);
  const code = String((await sender.waitFor((e) => e.event === "code")).code);
  const receiver = spawnNode(installedKad, [
    "receive",
    "--json",
    "--server",
    server.url,
    "-o",
    join(dir, "out"),
    code,
  ]);
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  expect(sent.code, sent.stderr).toBe(0);
  expect(received.code, received.stderr).toBe(0);
  expect(await sha256File(join(dir, "out", "payload.bin"))).toBe(await sha256File(file));
});
