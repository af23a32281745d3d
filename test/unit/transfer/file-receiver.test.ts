import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  createFileReceiver,
  type NodeReceiverOptions,
  type SavedFile,
  SMALL_FILE_BYTES,
} from "../../../src/transfer/file-receiver.js";
import { useTempDir } from "../../helpers/temp-dir.js";

const sha = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const bytes = (text: string) => new TextEncoder().encode(text);

function receiver(output: string, overrides: Partial<NodeReceiverOptions> = {}) {
  const back: unknown[] = [];
  const ends: unknown[] = [];
  const stdout = new PassThrough();
  const engine = createFileReceiver({
    output,
    overwrite: false,
    stdout,
    sendBack: (text) => back.push(JSON.parse(text)),
    onFile: () => {},
    onProgress: () => {},
    onFileDone: () => {},
    onEnd: (summary) => ends.push(summary),
    ...overrides,
  });
  const done = engine.finished.then((files) => files[0] as SavedFile);
  done.catch(() => {});
  const r = {
    handle: (message: string | Uint8Array) => engine.handle(message),
    abort: (error: Error) => engine.abort(error),
    done,
  };
  return { r, back, ends, stdout };
}

describe("FileReceiver", () => {
  it("saves an original sender's file once it holds `size` bytes, in any chunk size", async () => {
    const dir = await useTempDir();
    const { r, back } = receiver(dir);
    r.handle(JSON.stringify({ name: "a.txt", size: 11, type: "text/plain" }));
    for (const piece of ["hel", "lo ", "world"]) r.handle(bytes(piece));
    const file = await r.done;
    expect(file).toMatchObject({
      relativePath: "a.txt",
      bytes: 11,
      fromKad: false,
      stored: join(dir, "a.txt"),
    });
    expect(await readFile(join(dir, "a.txt"), "utf8")).toBe("hello world");
    expect(back).toEqual([]);
  });

  it("verifies a kad sender's SHA-256, acknowledges, and passes on the session end", async () => {
    const dir = await useTempDir();
    const { r, back, ends } = receiver(dir);
    const data = bytes("kad data");
    r.handle(
      JSON.stringify({
        name: "x.bin",
        size: data.length,
        type: "",
        kad: { v: 1, path: "d/e/x.bin" },
      }),
    );
    r.handle(data);
    r.handle(JSON.stringify({ kad: "eof", bytes: data.length, sha256: sha(data) }));
    const file = await r.done;
    expect(file.stored).toBe(join(dir, "d", "e", "x.bin"));
    expect(back).toEqual([{ kad: "ack", bytes: data.length, sha256: sha(data) }]);
    r.handle(JSON.stringify({ kad: "end", files: 1, bytes: data.length }));
    await expect.poll(() => ends).toEqual([{ files: 1, bytes: data.length }]);
  });

  it("streams a kad stream of unknown size to stdout", async () => {
    const dir = await useTempDir();
    const { r, stdout } = receiver("-");
    const chunks: Buffer[] = [];
    stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    r.handle(JSON.stringify({ name: "stdin", size: -1, type: "", kad: { v: 1, stream: true } }));
    r.handle(bytes("abc"));
    r.handle(bytes("def"));
    r.handle(JSON.stringify({ kad: "eof", bytes: 6, sha256: sha(bytes("abcdef")) }));
    expect((await r.done).stored).toBe("-");
    expect(Buffer.concat(chunks).toString()).toBe("abcdef");
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([
    ["a SHA-256 mismatch", { bytes: 4, sha256: "0".repeat(64) }, "INTEGRITY", /damaged/],
    ["a length mismatch", { bytes: 5, sha256: sha(bytes("data")) }, "INTEGRITY", /damaged/],
  ])("refuses %s and keeps nothing", async (_, eof, code, message) => {
    const dir = await useTempDir();
    const { r, back } = receiver(dir);
    r.handle(JSON.stringify({ name: "f", size: -1, type: "", kad: { v: 1, stream: true } }));
    r.handle(bytes("data"));
    r.handle(JSON.stringify({ kad: "eof", ...eof }));
    await expect(r.done).rejects.toThrow(message);
    expect(back).toEqual([expect.objectContaining({ kad: "error", code })]);
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([
    ["data before the metadata", [bytes("x")], /before the file's name/],
    ["metadata without a name", ['{"size":1,"type":""}'], /file description is invalid/],
    ["metadata that is not JSON", ["hello"], /file description is invalid/],
    ["an unknown size from an original sender", ['{"name":"a","size":-1,"type":""}'], /no size/],
    [
      "more bytes than announced",
      ['{"name":"a","size":2,"type":""}', bytes("abc")],
      /more than the 2 bytes/,
    ],
    [
      "a path that is absurdly deep",
      [JSON.stringify({ name: "a", size: 1, type: "", kad: { v: 1, path: "a/".repeat(40) } })],
      /deeper/,
    ],
  ] as [string, (string | Uint8Array)[], RegExp][])("refuses %s", async (_, messages, error) => {
    const dir = await useTempDir();
    const { r } = receiver(dir);
    for (const message of messages) r.handle(message);
    await expect(r.done).rejects.toThrow(error);
    expect(await readdir(dir)).toEqual([]);
  });

  it("never writes through a symbolic link in the output directory", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "elsewhere"));
    await mkdir(join(dir, "out"));
    await symlink(join(dir, "elsewhere"), join(dir, "out", "link"));
    const { r } = receiver(join(dir, "out"));
    r.handle(JSON.stringify({ name: "x", size: 1, type: "", kad: { v: 1, path: "link/x" } }));
    r.handle(bytes("x"));
    await expect(r.done).rejects.toThrow(/not a directory/);
    expect(await readdir(join(dir, "elsewhere"))).toEqual([]);
  });

  it("never writes through a symbolic link named by the fallback name of an empty kad path", async () => {
    const dir = await useTempDir();
    await mkdir(join(dir, "elsewhere"));
    await writeFile(join(dir, "elsewhere", "pwned.txt"), "old");
    await mkdir(join(dir, "out"));
    await symlink(join(dir, "elsewhere"), join(dir, "out", "link"));
    const { r } = receiver(join(dir, "out"), { overwrite: true });
    const data = bytes("x");
    r.handle(
      JSON.stringify({ name: "link/pwned.txt", size: 1, type: "", kad: { v: 1, path: ".." } }),
    );
    r.handle(data);
    r.handle(JSON.stringify({ kad: "eof", bytes: 1, sha256: sha(data) }));
    await expect(r.done).rejects.toThrow(/not a directory/);
    expect(await readFile(join(dir, "elsewhere", "pwned.txt"), "utf8")).toBe("old");
    expect(await readdir(join(dir, "elsewhere"))).toEqual(["pwned.txt"]);
  });

  it.each([
    ["a small file, held in memory", 1],
    ["a larger file, written as it arrives", SMALL_FILE_BYTES + 1],
  ])(
    "does not rename into place when the file's directory became a link outside meanwhile: %s",
    async (_, size) => {
      const dir = await useTempDir();
      await mkdir(join(dir, "elsewhere"));
      await mkdir(join(dir, "out"));
      const { r } = receiver(join(dir, "out"));
      const data = new Uint8Array(size).fill(7);
      r.handle(JSON.stringify({ name: "x", size, type: "", kad: { v: 1, path: "d/x" } }));
      r.handle(data);
      const ready = async () => {
        const names = await readdir(join(dir, "out", "d")).catch(() => null);
        return names !== null && (size === 1 || names.some((n) => n.endsWith(".part")));
      };
      await expect.poll(ready).toBe(true);
      // Let the receiver finish its own checks of d before d is swapped.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await rename(join(dir, "out", "d"), join(dir, "elsewhere", "d"));
      await symlink(join(dir, "elsewhere", "d"), join(dir, "out", "d"));
      r.handle(JSON.stringify({ kad: "eof", bytes: size, sha256: sha(data) }));
      await expect(r.done).rejects.toThrow(/outside the output directory/);
      expect(await readdir(join(dir, "elsewhere", "d"))).toEqual([]);
    },
  );

  it("does not replace an existing file unless told to", async () => {
    const dir = await useTempDir();
    await writeFile(join(dir, "keep.txt"), "old");
    const refused = receiver(dir);
    refused.r.handle(JSON.stringify({ name: "keep.txt", size: 3, type: "" }));
    refused.r.handle(bytes("new"));
    await expect(refused.r.done).rejects.toThrow(/already exists/);
    expect(await readFile(join(dir, "keep.txt"), "utf8")).toBe("old");

    const allowed = receiver(dir, { overwrite: true });
    allowed.r.handle(JSON.stringify({ name: "keep.txt", size: 3, type: "" }));
    allowed.r.handle(bytes("new"));
    await allowed.r.done;
    expect(await readFile(join(dir, "keep.txt"), "utf8")).toBe("new");
    expect(await readdir(dir)).toEqual(["keep.txt"]);
  });

  it("removes the temporary file when aborted mid-file", async () => {
    const dir = await useTempDir();
    const { r } = receiver(dir);
    r.handle(JSON.stringify({ name: "big", size: SMALL_FILE_BYTES + 100, type: "" }));
    r.handle(bytes("partial"));
    await expect
      .poll(async () => (await readdir(dir)).some((name) => name.endsWith(".part")))
      .toBe(true);
    await r.abort(new Error("peer left"));
    expect(await readdir(dir)).toEqual([]);
  });
});
