// What the bench sends and how it checks what arrived.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";

const WRITE_CHUNK_BYTES = 4 * 1024 * 1024;

export async function writeRandomFile(path, size) {
  const file = await open(path, "w");
  try {
    for (let written = 0; written < size; ) {
      const chunk = randomBytes(Math.min(WRITE_CHUNK_BYTES, size - written));
      await file.write(chunk);
      written += chunk.length;
    }
  } finally {
    await file.close();
  }
}

/** A directory of count random files of fileBytes each. */
export async function writeTree(dir, count, fileBytes) {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    await writeRandomFile(join(dir, `file-${String(i).padStart(4, "0")}.bin`), fileBytes);
  }
}

export async function sha256File(path) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest("hex");
}

/** Every regular file under dir, with its size. */
export async function listFiles(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return Promise.all(files.map(async (path) => ({ path, bytes: (await stat(path)).size })));
}

/** Throws unless dir holds exactly one file with this sha256. */
export async function expectOneFile(dir, sha256, label) {
  const files = await listFiles(dir);
  if (files.length !== 1) throw new Error(`${label}: ${files.length} files arrived, not 1`);
  if ((await sha256File(files[0].path)) !== sha256) throw new Error(`${label}: content differs`);
}

/** Throws unless dir holds count files totalling bytes. */
export async function expectTree(dir, count, bytes, label) {
  const files = await listFiles(dir);
  const total = files.reduce((sum, f) => sum + f.bytes, 0);
  if (files.length !== count || total !== bytes) {
    throw new Error(`${label}: ${files.length} files, ${total} bytes arrived`);
  }
}
