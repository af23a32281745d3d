/**
 * Failures found before any session starts: under --json each ends with an
 * `error` event on stdout (a script reads nothing else); the receiver's output
 * directory is checked (exists, is a directory, takes files) before it joins.
 */
import { spawn } from "node:child_process";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { watchKad } from "../helpers/kad-process.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { KAD, kad, startSend } from "../helpers/transfer-cli.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

async function run(args: string[], cwd?: string) {
  const child = kad(args, { ...(cwd ? { cwd } : {}) });
  return { result: await child.exited, events: child.events };
}

describe("--json reports failures found before the session", () => {
  it("a missing path, a usage error of kad's own and one of the option parser", async () => {
    const dir = await useTempDir();
    const missing = await run(["send", "--json", "--server", server.url, "nothere"], dir);
    expect(missing.result.code).toBe(1);
    expect(missing.events).toEqual([
      { event: "error", code: "NOT_FOUND", message: "no such file or directory: nothere" },
    ]);

    const badCode = await run(["send", "--json", "--server", server.url, "--code", "x", "-"]);
    expect(badCode.result.code).toBe(2);
    expect(badCode.events).toEqual([{ event: "error", code: "USAGE", message: "invalid code: x" }]);

    const badTimeout = await run(["receive", "--json", "--timeout", "abc", "1-a-b"]);
    expect(badTimeout.result.code).toBe(2);
    expect(badTimeout.events).toHaveLength(1);
    expect(badTimeout.events[0]).toMatchObject({ event: "error", code: "USAGE" });
    expect(String(badTimeout.events[0]?.message)).toContain("--timeout");
  });
});

describe("kad send refuses up front what every receiver would refuse", () => {
  it("a tree deeper than a receiver takes: exit 2 before a code is made", async () => {
    const dir = await useTempDir();
    const levels = Array.from({ length: 32 }, (_, i) => `l${i}`);
    await mkdir(join(dir, "deep", ...levels), { recursive: true });
    await writeFile(join(dir, "deep", ...levels, "f.txt"), "x");
    const { result, events } = await run(["send", "--json", "--server", server.url, "deep"], dir);
    expect(result.code).toBe(2);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: "error", code: "USAGE" });
    expect(String(events[0]?.message)).toMatch(/f\.txt is more than 32 levels deep/);
  });
});

describe("kad send and unreadable paths", () => {
  it("a directory it may not list: permission denied, exit 1, as a --json error", async () => {
    const dir = await useTempDir();
    await chmod(dir, 0o755);
    await mkdir(join(dir, "ud", "sub"), { recursive: true });
    await writeFile(join(dir, "ud", "a.txt"), "a");
    await chmod(join(dir, "ud", "sub"), 0o000);
    // As root every directory is listable; an unprivileged user meets the check.
    const sender = watchKad(
      spawn(
        "setpriv",
        ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, KAD].concat([
          "send",
          "--json",
          "--server",
          server.url,
          "ud",
        ]),
        { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
      ),
    );
    expect(await sender.exited, sender.stderr()).toBe(1);
    expect(sender.events).toEqual([
      {
        event: "error",
        code: "UNREADABLE",
        message: `permission denied: cannot list ${join(dir, "ud", "sub")}`,
      },
    ]);
  });
});

describe("the receiver's output directory", () => {
  it("missing with its parent, or a file: exit 2 naming it, with a --json error event", async () => {
    const dir = await useTempDir();
    await writeFile(join(dir, "file.txt"), "x");
    const missing = await run(
      ["receive", "--json", "--server", server.url, "-o", "gone/sub", "1-a-b"],
      dir,
    );
    expect(missing.result.code).toBe(2);
    expect(missing.events).toEqual([
      {
        event: "error",
        code: "USAGE",
        message: "the output directory gone/sub does not exist, nor does gone",
      },
    ]);
    expect(await readdir(dir)).toEqual(["file.txt"]);
    const file = await run(["receive", "--server", server.url, "-o", "file.txt", "1-a-b"], dir);
    expect(file.result.code).toBe(2);
    expect(file.result.stderr).toContain("file.txt is not a directory");
  });

  it("missing but its parent exists: created, and the files arrive there", async () => {
    const dir = await useTempDir();
    await writeFile(join(dir, "a.txt"), "hello");
    const { sender, code } = await startSend(server.url, ["a.txt"], { cwd: dir });
    const receiver = kad(["receive", "--json", "--server", server.url, "-o", "newdir", code], {
      cwd: dir,
    });
    const received = await receiver.exited;
    if (received.code !== 0) sender.child.kill();
    expect(received.code, received.stderr).toBe(0);
    expect((await sender.exited).code).toBe(0);
    expect(await readFile(join(dir, "newdir", "a.txt"), "utf8")).toBe("hello");
  });

  it("not writable: exit 2 naming the directory, before the sender sees a receiver", async () => {
    const dir = await useTempDir();
    await chmod(dir, 0o755);
    await writeFile(join(dir, "a.txt"), "hello");
    await mkdir(join(dir, "ro"), { mode: 0o555 });
    const { sender, code } = await startSend(server.url, ["a.txt"], { cwd: dir });
    // As root every directory is writable; an unprivileged user meets the check.
    const receiver = watchKad(
      spawn(
        "setpriv",
        ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, KAD].concat([
          "receive",
          "--json",
          "--server",
          server.url,
          "-o",
          "ro",
          code,
        ]),
        { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
      ),
    );
    const received = await receiver.exited;
    sender.child.kill();
    await sender.exited;
    expect(received, receiver.stderr()).toBe(2);
    expect(receiver.events).toEqual([
      { event: "error", code: "USAGE", message: "cannot write into the output directory ro" },
    ]);
    expect(sender.events.some((event) => event.event === "peer")).toBe(false);
    expect(await readdir(join(dir, "ro"))).toEqual([]);
  });
});
