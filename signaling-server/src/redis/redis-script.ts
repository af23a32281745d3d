/**
 * Runs a Lua script by its SHA1 and loads it only when Redis does not know it
 * yet (after a restart, or on a cluster node that never ran it).
 */
import { createHash } from "node:crypto";
import type { RedisClient } from "./redis-connection.js";

export interface RedisScript {
  readonly source: string;
  readonly sha1: string;
}

export function defineScript(source: string): RedisScript {
  return { source, sha1: createHash("sha1").update(source).digest("hex") };
}

export async function runScript(
  client: RedisClient,
  script: RedisScript,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha1, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}
