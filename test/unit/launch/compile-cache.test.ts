import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import {
  cacheDirectory,
  cachedCommand,
  cacheFileName,
  isPrivateDirectory,
  writeCache,
} from "../../../src/launch/compile-cache.js";
import { useTempDir } from "../../helpers/temp-dir.js";

describe("cachedCommand", () => {
  it("names the commands whose runs are cached", () => {
    expect(cachedCommand(["send", "file.bin"])).toBe("send");
    expect(cachedCommand(["receive", "7-tiger-piano-oak"])).toBe("receive");
    expect(cachedCommand(["serve", "--port", "0"])).toBe("serve");
    expect(cachedCommand(["doctor"])).toBe("doctor");
  });

  it("leaves out help, version and anything that is not a command", () => {
    expect(cachedCommand([])).toBeUndefined();
    expect(cachedCommand(["--help"])).toBeUndefined();
    expect(cachedCommand(["help", "send"])).toBeUndefined();
    expect(cachedCommand(["send", "--help"])).toBeUndefined();
    expect(cachedCommand(["receive", "-h"])).toBeUndefined();
    expect(cachedCommand(["frobnicate"])).toBeUndefined();
  });
});

describe("cacheDirectory", () => {
  it("is $XDG_CACHE_HOME/kad, else ~/.cache/kad", () => {
    expect(cacheDirectory({ XDG_CACHE_HOME: "/x/cache" }, "/home/a")).toBe("/x/cache/kad");
    expect(cacheDirectory({}, "/home/a")).toBe("/home/a/.cache/kad");
  });

  it("is KAD_COMPILE_CACHE when set, and none when that is 0 or off", () => {
    expect(cacheDirectory({ KAD_COMPILE_CACHE: "/elsewhere" }, "/home/a")).toBe("/elsewhere");
    expect(cacheDirectory({ KAD_COMPILE_CACHE: "0" }, "/home/a")).toBeUndefined();
    expect(cacheDirectory({ KAD_COMPILE_CACHE: "off" }, "/home/a")).toBeUndefined();
  });

  it("is none without a home to keep it in", () => {
    expect(cacheDirectory({}, "")).toBeUndefined();
  });
});

describe("cacheFileName", () => {
  it("differs for bundles of the same length, and for another Node", () => {
    // V8 checks only a script's length against its cache: the name must tell builds apart.
    const one = Buffer.from("module.exports = 1;");
    const two = Buffer.from("module.exports = 2;");
    const name = cacheFileName("send", one, "v20.20.2-x64");
    expect(name).toMatch(/^send-v20\.20\.2-x64-[0-9a-f]{16}\.v8cache$/);
    expect(cacheFileName("send", two, "v20.20.2-x64")).not.toBe(name);
    expect(cacheFileName("send", one, "v22.1.0-x64")).not.toBe(name);
    expect(cacheFileName("send", one, "v20.20.2-x64")).toBe(name);
  });
});

describe("isPrivateDirectory", () => {
  it("holds for a directory only its owner can write to", async () => {
    const dir = await useTempDir();
    await chmod(dir, 0o700);
    expect(isPrivateDirectory(dir)).toBe(true);
    await chmod(dir, 0o755);
    expect(isPrivateDirectory(dir)).toBe(true);
  });

  it("fails for one its group or others can write to, and for a missing one", async () => {
    const dir = await useTempDir();
    await chmod(dir, 0o770);
    expect(isPrivateDirectory(dir)).toBe(false);
    await chmod(dir, 0o777);
    expect(isPrivateDirectory(dir)).toBe(false);
    expect(isPrivateDirectory(join(dir, "missing"))).toBe(false);
  });
});

describe("writeCache", () => {
  it("creates a private directory (and its parent) and a file only its owner can read", async () => {
    const dir = join(await useTempDir(), "cache", "kad");
    const file = join(dir, "send-v20-x64-0123456789abcdef.v8cache");
    writeCache(file, () => Buffer.from("cache bytes"));
    expect(await readFile(file, "utf8")).toBe("cache bytes");
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual([file.slice(dir.length + 1)]);
  });

  it("replaces the same command's older caches and keeps the other commands'", async () => {
    const dir = await useTempDir();
    await chmod(dir, 0o700);
    await writeFile(join(dir, "send-v20-x64-aaaaaaaaaaaaaaaa.v8cache"), "old send");
    await writeFile(join(dir, "receive-v20-x64-aaaaaaaaaaaaaaaa.v8cache"), "receive");
    writeCache(join(dir, "send-v20-x64-bbbbbbbbbbbbbbbb.v8cache"), () => Buffer.from("new send"));
    expect((await readdir(dir)).sort()).toEqual([
      "receive-v20-x64-aaaaaaaaaaaaaaaa.v8cache",
      "send-v20-x64-bbbbbbbbbbbbbbbb.v8cache",
    ]);
  });

  it("writes nothing into a directory others can write to, and makes no data for it", async () => {
    const dir = join(await useTempDir(), "shared");
    await mkdir(dir);
    await chmod(dir, 0o777);
    const makeData = vi.fn(() => Buffer.from("x"));
    writeCache(join(dir, "send-v20-x64-0123456789abcdef.v8cache"), makeData);
    expect(await readdir(dir)).toEqual([]);
    expect(makeData).not.toHaveBeenCalled();
  });

  it("makes no data where no directory can be made", () => {
    const makeData = vi.fn(() => Buffer.from("x"));
    writeCache("/proc/kad-cache/send-v20-x64-0123456789abcdef.v8cache", makeData);
    expect(makeData).not.toHaveBeenCalled();
  });
});
