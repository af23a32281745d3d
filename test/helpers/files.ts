import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";

/** Writes `size` random bytes to `path` without holding them all in memory. */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  const file = await open(path, "w");
  try {
    for (let written = 0; written < size; ) {
      const chunk = randomBytes(Math.min(1024 * 1024, size - written));
      await file.write(chunk);
      written += chunk.length;
    }
  } finally {
    await file.close();
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest("hex");
}
