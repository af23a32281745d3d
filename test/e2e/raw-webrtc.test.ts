import { join } from "node:path";
import { expect, it } from "vitest";
import { runRawTransfer } from "../../bench/raw-pair.mjs";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { useTempDir } from "../helpers/temp-dir.js";

it("moves 10 MiB between two processes over a native WebRTC data channel", async () => {
  const dir = await useTempDir();
  const source = join(dir, "source.bin");
  const target = join(dir, "target.bin");
  const size = 10 * 1024 * 1024;
  await writeRandomFile(source, size);

  const { sender, receiver } = await runRawTransfer(source, target);

  const expected = await sha256File(source);
  expect(sender.bytes).toBe(size);
  expect(receiver.bytes).toBe(size);
  expect(sender.sha256).toBe(expected);
  expect(await sha256File(target)).toBe(expected);
});
