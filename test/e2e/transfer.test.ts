/**
 * kad send / kad receive end to end: the built CLI in child processes, a real
 * signaling server on an ephemeral loopback port, real WebRTC between them.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, startSend } from "../helpers/transfer-cli.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

async function transfer(sendArgs: string[], receiveArgs: string[], cwd: string) {
  const { sender, code } = await startSend(server.url, sendArgs, { cwd });
  const receiver = kad(["receive", "--json", "--server", server.url, ...receiveArgs, code], {
    cwd,
  });
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  return { sender, receiver, sent, received, code };
}

/** A stdin transfer into `dir/out` that has started moving bytes, for tests that interrupt it. */
async function transferUnderWay(dir: string) {
  await mkdir(join(dir, "out"));
  const { sender, code } = await startSend(server.url, ["-"], { cwd: dir });
  sender.child.stdin?.write(Buffer.alloc(2 * 1024 * 1024, 7));
  const receiver = kad(["receive", "--json", "--server", server.url, "-o", "out", code], {
    cwd: dir,
  });
  await receiver.waitFor((e) => e.event === "progress");
  return { sender, receiver };
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory()
        ? listFiles(join(dir, entry.name), `${prefix}${entry.name}/`)
        : [`${prefix}${entry.name}`],
    ),
  );
  return names.flat().sort();
}

describe("kad send / kad receive", () => {
  it("sends one file, with the documented --json events on both sides", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await writeRandomFile(join(dir, "a.bin"), 300_000);
    const { sender, receiver, sent, received, code } = await transfer(
      ["a.bin"],
      ["-o", "out"],
      dir,
    );
    expect(received.stderr).toBe("");
    expect(sent.code).toBe(0);
    expect(received.code).toBe(0);
    const sha256 = await sha256File(join(dir, "a.bin"));
    expect(await sha256File(join(dir, "out", "a.bin"))).toBe(sha256);

    expect(sender.events[0]).toEqual({
      event: "code",
      code,
      url: `${server.url}/#/${code.replace(/-([a-z]+-[a-z]+)$/, "/$1")}`,
      command: `kad receive --server ${server.url} ${code}`,
      server: server.url,
    });
    expect(code).toMatch(/^\d{1,3}(-[a-z]+){3}$/);
    const kinds = (events: { event: string }[]) => [...new Set(events.map((e) => e.event))];
    expect(kinds(sender.events)).toEqual([
      "code",
      "peer",
      "path",
      "file",
      "progress",
      "file-done",
      "done",
    ]);
    expect(kinds(receiver.events)).toEqual([
      "peer",
      "path",
      "file",
      "progress",
      "file-done",
      "done",
    ]);
    const loopbackPath = {
      event: "path",
      path: "direct",
      route: "lan",
      local: "host",
      remote: "host",
    };
    expect(sender.events.find((e) => e.event === "path")).toEqual(loopbackPath);
    expect(receiver.events.find((e) => e.event === "path")).toEqual(loopbackPath);
    expect(sender.events.find((e) => e.event === "file-done")).toEqual({
      event: "file-done",
      name: "a.bin",
      size: 300_000,
      sha256,
    });
    expect(receiver.events.find((e) => e.event === "file-done")).toEqual({
      event: "file-done",
      name: "a.bin",
      size: 300_000,
      sha256,
      path: join(dir, "out", "a.bin"),
    });
    expect(sender.events.at(-1)).toEqual({ event: "done", files: 1, bytes: 300_000 });
    expect(receiver.events.at(-1)).toEqual({ event: "done", files: 1, bytes: 300_000 });
  });

  it("sends several files and a directory tree, keeping relative paths", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await mkdir(join(dir, "tree", "sub", "deeper"), { recursive: true });
    await writeFile(join(dir, "one.txt"), "one\n");
    await writeRandomFile(join(dir, "two.bin"), 70_000);
    await writeFile(join(dir, "tree", "top.txt"), "top\n");
    await writeRandomFile(join(dir, "tree", "sub", "mid.bin"), 150_000);
    await writeFile(join(dir, "tree", "sub", "deeper", "leaf.txt"), "leaf\n");
    const { sent, received, receiver } = await transfer(
      ["one.txt", "two.bin", "tree"],
      ["-o", "out"],
      dir,
    );
    expect(sent.code).toBe(0);
    expect(received.code).toBe(0);
    const expected = [
      "one.txt",
      "tree/sub/deeper/leaf.txt",
      "tree/sub/mid.bin",
      "tree/top.txt",
      "two.bin",
    ];
    expect(await listFiles(join(dir, "out"))).toEqual(expected);
    for (const name of expected) {
      expect(await sha256File(join(dir, "out", name))).toBe(await sha256File(join(dir, name)));
    }
    expect(receiver.events.at(-1)).toEqual({
      event: "done",
      files: 5,
      bytes: 4 + 70_000 + 4 + 150_000 + 5,
    });
  });

  it("streams stdin to stdout", async () => {
    const dir = await useTempDir();
    await writeRandomFile(join(dir, "stream.bin"), 3 * 1024 * 1024 + 17);
    const input = await readFile(join(dir, "stream.bin"));
    const { sender, code } = await startSend(server.url, ["-"], { cwd: dir });
    sender.child.stdin?.end(input);
    const receiver = kad(["receive", "--quiet", "--server", server.url, "-o", "-", code], {
      cwd: dir,
      json: false,
    });
    const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
    expect(received.stderr).toBe("");
    expect(sent.code).toBe(0);
    expect(received.code).toBe(0);
    expect(received.stdout.equals(input)).toBe(true);
    expect(sender.events.find((e) => e.event === "file")).toMatchObject({
      name: "stdin",
      size: null,
    });
  });

  it("moves a 64 MiB random file intact", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await writeRandomFile(join(dir, "big.bin"), 64 * 1024 * 1024);
    const { sent, received } = await transfer(["big.bin"], ["-o", "out"], dir);
    expect(sent.code).toBe(0);
    expect(received.code).toBe(0);
    expect(await sha256File(join(dir, "out", "big.bin"))).toBe(
      await sha256File(join(dir, "big.bin")),
    );
  });

  it("sends an empty file and names with spaces and unicode", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "empty"), "");
    const unicode = "Grüße aus Köln — 日本語 🎉.txt";
    await writeFile(join(dir, unicode), "hallo\n");
    await writeFile(join(dir, "with  spaces .txt"), "spaces\n");
    const { sent, received } = await transfer(
      ["empty", unicode, "with  spaces .txt"],
      ["-o", "out"],
      dir,
    );
    expect(sent.code).toBe(0);
    expect(received.code).toBe(0);
    expect(await listFiles(join(dir, "out"))).toEqual(
      ["empty", unicode, "with  spaces .txt"].sort(),
    );
    expect(await readFile(join(dir, "out", "empty"), "utf8")).toBe("");
    expect(await readFile(join(dir, "out", unicode), "utf8")).toBe("hallo\n");
  });

  it("never replaces an existing file without --overwrite", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "note.txt"), "new\n");
    await writeFile(join(dir, "out", "note.txt"), "old\n");
    const refused = await transfer(["note.txt"], ["-o", "out"], dir);
    expect(refused.received.code, `receiver: ${refused.received.stderr}`).toBe(1);
    expect(refused.received.stderr).toMatch(/already exists/);
    expect(refused.sent.code, `sender: ${refused.sent.stderr}`).toBe(1);
    expect(await readFile(join(dir, "out", "note.txt"), "utf8")).toBe("old\n");
    expect(await readdir(join(dir, "out"))).toEqual(["note.txt"]);

    const replaced = await transfer(["note.txt"], ["-o", "out", "--overwrite"], dir);
    expect(replaced.received.code).toBe(0);
    expect(await readFile(join(dir, "out", "note.txt"), "utf8")).toBe("new\n");
  });
});

describe("failures a user can meet", () => {
  it("an unknown code exits 3 with a clear message", async () => {
    const dir = await useTempDir();
    const receiver = kad(["receive", "--server", server.url, "999-acid-acid-acid"], {
      cwd: dir,
      json: false,
    });
    const result = await receiver.exited;
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("no transfer is waiting under that code");
  });

  it("an unreachable server exits 3", async () => {
    const dir = await useTempDir();
    const result = await kad(["receive", "--server", "http://127.0.0.1:9", "7-acid-acid-acid"], {
      cwd: dir,
      json: false,
    }).exited;
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("cannot reach the server");
  });

  it("a wrong or missing password exits 1 and the sender keeps waiting", async () => {
    const dir = await useTempDir();
    await writeFile(join(dir, "secret.txt"), "secret\n");
    const { sender, code } = await startSend(server.url, ["--password", "hunter2", "secret.txt"], {
      cwd: dir,
    });
    const wrong = await kad(["receive", "--server", server.url, "--password", "nope", code], {
      cwd: dir,
      json: false,
    }).exited;
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("wrong password");
    const missing = await kad(["receive", "--server", server.url, code], { cwd: dir, json: false })
      .exited;
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("protected by a password");
    await mkdir(join(dir, "out"));
    const right = kad(["receive", "--json", "--server", server.url, "-o", "out", code], {
      cwd: dir,
      env: { KAD_PASSWORD: "hunter2" },
    });
    expect((await right.exited).code).toBe(0);
    expect((await sender.exited).code).toBe(0);
    expect(await readFile(join(dir, "out", "secret.txt"), "utf8")).toBe("secret\n");
  });

  it("a missing path is refused before anything is created", async () => {
    const dir = await useTempDir();
    const result = await kad(["send", "--server", server.url, "nope.txt"], {
      cwd: dir,
      json: false,
    }).exited;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no such file or directory: nope.txt");
  });

  it("paths that would collide at the receiver are a usage error", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "a"));
    await mkdir(join(dir, "b"));
    await writeFile(join(dir, "a", "x.txt"), "a");
    await writeFile(join(dir, "b", "x.txt"), "b");
    const result = await kad(["send", "--server", server.url, "a/x.txt", "b/x.txt"], {
      cwd: dir,
      json: false,
    }).exited;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("would both arrive as x.txt");
  });

  it("--timeout ends a transfer whose bytes stopped moving (exit 5), keeping nothing", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    const { sender, code } = await startSend(server.url, ["-"], { cwd: dir });
    sender.child.stdin?.write(Buffer.alloc(100_000, 3));
    const receiver = kad(
      ["receive", "--json", "--timeout", "2", "--server", server.url, "-o", "out", code],
      { cwd: dir },
    );
    const received = await receiver.exited;
    sender.child.kill();
    expect(received.code).toBe(5);
    expect(receiver.events.at(-1)).toMatchObject({ event: "error", code: "TIMEOUT" });
    expect(received.stderr).toMatch(/stalled|timed out/);
    expect(await readdir(join(dir, "out"))).toEqual([]);
  });

  it("the receiver killed mid-transfer: the sender exits 3, nothing final is written", async () => {
    const dir = await useTempDir();
    const { sender, receiver } = await transferUnderWay(dir);
    receiver.child.kill("SIGKILL");
    const sent = await sender.exited;
    expect(sent.code).toBe(3);
    expect(sender.events.at(-1)).toMatchObject({ event: "error", code: "PEER_LEFT" });
    expect((await readdir(join(dir, "out"))).filter((name) => !name.endsWith(".part"))).toEqual([]);
  });

  it("the sender killed mid-transfer: the receiver exits 3 and removes its temporary file", async () => {
    const dir = await useTempDir();
    const { sender, receiver } = await transferUnderWay(dir);
    sender.child.kill("SIGKILL");
    const received = await receiver.exited;
    expect(received.code).toBe(3);
    expect(receiver.events.at(-1)).toMatchObject({ event: "error", code: "PEER_LEFT" });
    expect(await readdir(join(dir, "out"))).toEqual([]);
  });

  it("a transfer under way survives the signaling server going away", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "out"));
    const ownServer = await startSignalingServer({ host: "127.0.0.1", port: 0 });
    const { sender, code } = await startSend(ownServer.url, ["-"], { cwd: dir });
    const first = Buffer.alloc(1024 * 1024, 1);
    sender.child.stdin?.write(first);
    const receiver = kad(["receive", "--json", "--server", ownServer.url, "-o", "out", code], {
      cwd: dir,
    });
    await receiver.waitFor((e) => e.event === "progress");
    await ownServer.close();
    sender.child.stdin?.end(Buffer.alloc(1024 * 1024, 2));
    const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
    expect(sent.code, `sender: ${sent.stderr}`).toBe(0);
    expect(received.code, `receiver: ${received.stderr}`).toBe(0);
    expect(
      (await readFile(join(dir, "out", "stdin"))).equals(
        Buffer.concat([first, Buffer.alloc(1024 * 1024, 2)]),
      ),
    ).toBe(true);
  });

  it("Ctrl-C while waiting exits 130 and leaves nothing behind", async () => {
    const dir = await useTempDir();
    await writeFile(join(dir, "x.txt"), "x");
    const { sender } = await startSend(server.url, ["x.txt"], { cwd: dir });
    sender.child.kill("SIGINT");
    const sent = await sender.exited;
    expect(sent.code).toBe(130);
    expect(sender.events.at(-1)).toMatchObject({ event: "error", code: "INTERRUPTED" });
  });
});
