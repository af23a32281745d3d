import { randomBytes } from "node:crypto";
import { truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { outgoingFile } from "../../../src/transfer/outgoing-file.js";
import type { SendSource } from "../../../src/transfer/sources.js";
import { useTempDir } from "../../helpers/temp-dir.js";

const MIB = 1024 * 1024;
const noStdin: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };

async function fileSource(bytes: Buffer): Promise<SendSource> {
  const absolutePath = join(await useTempDir(), "a.bin");
  await writeFile(absolutePath, bytes);
  const name = "a.bin";
  return { kind: "file", absolutePath, relativePath: name, name, size: bytes.length, type: "" };
}

/** Copies each chunk as it comes: the reader reuses its buffers. */
async function readAll(
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ bytes: Buffer; sizes: number[] }> {
  const copies: Buffer[] = [];
  for await (const chunk of chunks) copies.push(Buffer.from(chunk));
  return { bytes: Buffer.concat(copies), sizes: copies.map((c) => c.length) };
}

describe("outgoingFile chunks", () => {
  it("gives a large file's bytes from any start, in order, across its reused read buffers", async () => {
    const content = randomBytes(3 * MIB + 12_345);
    const file = await outgoingFile(await fileSource(content), noStdin);
    for (const start of [0, 65_536, MIB + 7]) {
      const { bytes, sizes } = await readAll(file.chunks(65_536, start));
      expect(bytes.equals(content.subarray(start))).toBe(true);
      expect(Math.max(...sizes)).toBe(65_536);
    }
  });

  it("stops where a file that shrank meanwhile ends: the sender then reports it", async () => {
    const content = randomBytes(2 * MIB);
    const source = await fileSource(content);
    const file = await outgoingFile(source, noStdin);
    await truncate(source.kind === "file" ? source.absolutePath : "", MIB + 100);
    const { bytes } = await readAll(file.chunks(65_536, 0));
    expect(bytes.equals(content.subarray(0, MIB + 100))).toBe(true);
  });
});
