/**
 * kad send says what it leaves out (a directory's links and empty directories, the
 * growth of a file being written) on stderr and as --json events.
 */
import { appendFile, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
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

async function tree(): Promise<string> {
  const dir = await useTempDir();
  await mkdir(join(dir, "tree", "empty-dir"), { recursive: true });
  await writeFile(join(dir, "tree", "a.txt"), "a");
  await symlink("/etc/passwd", join(dir, "tree", "link-to-passwd"));
  return dir;
}

it("symbolic links and empty directories are reported as skipped before the code", async () => {
  const dir = await tree();
  const { sender } = await startSend(server.url, ["tree"], { cwd: dir });
  sender.child.kill("SIGINT");
  await sender.exited;
  expect(sender.events.slice(0, 3)).toEqual([
    { event: "skipped", path: "tree/empty-dir", reason: "empty directory" },
    { event: "skipped", path: "tree/link-to-passwd", reason: "symbolic link" },
    expect.objectContaining({ event: "code" }),
  ]);
});

it("a plain run warns on stderr", async () => {
  const dir = await tree();
  const sender = kad(["send", "--server", server.url, "tree"], { cwd: dir, json: false });
  let stderr = "";
  await new Promise<void>((resolve) => {
    sender.child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("code:")) resolve();
    });
  });
  sender.child.kill("SIGINT");
  await sender.exited;
  expect(stderr).toContain("skipped tree/empty-dir (empty directory)\n");
  expect(stderr).toContain("skipped tree/link-to-passwd (symbolic link)\n");
});

it("a file that grows while it is sent: its size at the start goes, with a warning", async () => {
  const dir = await useTempDir();
  await mkdir(join(dir, "out"));
  await writeFile(join(dir, "log.txt"), "a".repeat(1000));
  const { sender, code } = await startSend(server.url, ["log.txt"], { cwd: dir });
  await appendFile(join(dir, "log.txt"), "b".repeat(500));
  const receiver = kad(["receive", "--json", "--server", server.url, "-o", "out", code], {
    cwd: dir,
  });
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  expect(sent.code).toBe(0);
  expect(received.code).toBe(0);
  expect(sender.events).toContainEqual({
    event: "warning",
    message: "log.txt grew while it was sent; only its first 1000 bytes went",
  });
  expect(await readFile(join(dir, "out", "log.txt"), "utf8")).toBe("a".repeat(1000));
});
