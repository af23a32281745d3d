/**
 * Incremental SHA-256 in JavaScript. crypto.subtle cannot hash a stream (only
 * a whole buffer) and is missing altogether on plain-http LAN pages, so the
 * page always uses @noble/hashes (about 200 MiB/s, faster than the link).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { HashFactory, StreamingHash } from "../engine/ports.js";

/** Blocks read from a Blob at once: a partial file is never read whole into memory. */
const PREFIX_READ_BYTES = 4 * 1024 * 1024;

type NobleSha256 = ReturnType<typeof sha256.create>;

function streaming(hash: NobleSha256): StreamingHash {
  return {
    update: (chunk) => {
      hash.update(chunk);
    },
    hex: () => bytesToHex(hash.digest()),
  };
}

export const createSha256: HashFactory = () => streaming(sha256.create());

/**
 * The SHA-256 of a Blob's first `bytes`, read in blocks, and a hash already
 * fed with them that goes on with the bytes after (a resumed file's).
 */
export async function sha256OfPrefix(
  blob: Blob,
  bytes: number,
): Promise<{ hex: string; hash: StreamingHash }> {
  const hash = sha256.create();
  for (let start = 0; start < bytes; start += PREFIX_READ_BYTES) {
    const end = Math.min(start + PREFIX_READ_BYTES, bytes);
    hash.update(new Uint8Array(await blob.slice(start, end).arrayBuffer()));
  }
  return { hex: bytesToHex(hash.clone().digest()), hash: streaming(hash) };
}
