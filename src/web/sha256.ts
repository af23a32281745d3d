/**
 * Incremental SHA-256 in JavaScript. crypto.subtle cannot hash a stream (only
 * a whole buffer) and is missing altogether on plain-http LAN pages, so the
 * page always uses @noble/hashes (about 200 MiB/s, faster than the link).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { HashFactory } from "../engine/ports.js";

export const createSha256: HashFactory = () => {
  const hash = sha256.create();
  return {
    update: (chunk) => {
      hash.update(chunk);
    },
    hex: () => bytesToHex(hash.digest()),
  };
};
