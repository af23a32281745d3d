/**
 * Room passwords are kept only as salted scrypt hashes:
 * "scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>". Verification is constant-time.
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

const COST = { N: 16_384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Upper bound for parameters read back from a store, so a bad record cannot exhaust memory. */
const MAX_COST_N = 1 << 17;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, { ...options, maxmem: 256 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, COST);
  return ["scrypt", COST.N, COST.r, COST.p, salt.toString("base64"), key.toString("base64")].join(
    "$",
  );
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltText, keyText] = stored.split("$");
  if (scheme !== "scrypt" || !saltText || !keyText) return false;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (!Number.isInteger(cost.N) || cost.N < 2 || cost.N > MAX_COST_N) return false;
  if (!Number.isInteger(cost.r) || cost.r < 1 || cost.r > 32) return false;
  if (!Number.isInteger(cost.p) || cost.p < 1 || cost.p > 16) return false;
  const expected = Buffer.from(keyText, "base64");
  if (expected.length !== KEY_BYTES) return false;
  const actual = await derive(password, Buffer.from(saltText, "base64"), cost);
  return timingSafeEqual(actual, expected);
}

/** The reference's rule: a password protects a room only when non-empty after trim. */
export function isEffectivePassword(password: unknown): password is string {
  return typeof password === "string" && password.trim().length > 0;
}
