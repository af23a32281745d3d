/**
 * The pool of live signaling instances, kept in Redis so that instances join
 * and leave without anyone editing a config file.
 *
 * Each instance writes its own record with a TTL and refreshes it on a
 * heartbeat; an instance that dies simply stops refreshing and its record
 * expires. A load score per instance (its connection count, bumped by one for
 * every room handed out since its last heartbeat so that a burst of creates
 * spreads out) lets POST /rooms hand out the least-loaded live instance.
 * Every key shares the `{kad:instances}` hash tag, so the scripts below run
 * on one Redis Cluster slot.
 */
import type { RedisClient } from "./redis-connection.js";
import { instanceKey, LOAD_KEY, reaperLockKey } from "./redis-keys.js";
import { defineScript, runScript } from "./redis-script.js";

/** How often an instance refreshes its record. */
export const INSTANCE_HEARTBEAT_MS = 2_000;
/** An instance that missed heartbeats for this long counts as dead. */
export const INSTANCE_TTL_MS = 6_000;

export interface InstanceRecord {
  id: string;
  /** The WebSocket URL clients use to reach this instance. */
  url: string;
  connections: number;
}

/**
 * KEYS: load, instance  ARGV: id, record json, connections, ttl ms
 * Returns 1 when the record was still there, 0 when it had expired or Redis
 * lost it: then others may have cleaned up after this instance.
 */
const HEARTBEAT = defineScript(`
local existed = redis.call("EXISTS", KEYS[2])
redis.call("SET", KEYS[2], ARGV[2], "PX", ARGV[4])
redis.call("ZADD", KEYS[1], ARGV[3], ARGV[1])
return existed
`);

/**
 * Picks the live instance with the lowest load and counts the room it gets.
 * KEYS: load  ARGV: key prefix. Returns the record json or false.
 */
const PICK_LEAST_LOADED = defineScript(`
local ids = redis.call("ZRANGE", KEYS[1], 0, -1)
for _, id in ipairs(ids) do
  local record = redis.call("GET", ARGV[1] .. id)
  if record then
    redis.call("ZINCRBY", KEYS[1], 1, id)
    return record
  end
end
return false
`);

/**
 * Returns instances whose record expired and that nobody is cleaning up
 * after: the SET NX lock makes each claim exclusive. The entry stays in the
 * load set until `finishReaping`, so if the claimant dies midway, the lock
 * expires and another instance claims the rest of the work.
 * KEYS: load  ARGV: record key prefix, lock key prefix, lock ttl ms
 */
const CLAIM_DEAD = defineScript(`
local dead = {}
for _, id in ipairs(redis.call("ZRANGE", KEYS[1], 0, -1)) do
  if redis.call("EXISTS", ARGV[1] .. id) == 0
    and redis.call("SET", ARGV[2] .. id, "1", "NX", "PX", ARGV[3]) then
    table.insert(dead, id)
  end
end
return dead
`);

/**
 * Drops a reaped instance from the pool, unless it came back meanwhile.
 * KEYS: load, instance, lock  ARGV: id
 */
const FINISH_REAPING = defineScript(`
if redis.call("EXISTS", KEYS[2]) == 0 then redis.call("ZREM", KEYS[1], ARGV[1]) end
redis.call("DEL", KEYS[3])
return 1
`);

const KEY_PREFIX = instanceKey("");
const LOCK_PREFIX = reaperLockKey("");
/** Longest a claimant may take to clean up after a dead instance before another takes over. */
export const REAPER_LOCK_MS = 60_000;

export class InstanceRegistry {
  constructor(
    private readonly redis: RedisClient,
    private readonly ttlMs = INSTANCE_TTL_MS,
    private readonly reaperLockMs = REAPER_LOCK_MS,
  ) {}

  /**
   * Writes (or refreshes) this instance's record; also the first registration.
   * Resolves false when the record was gone (first call, expiry, Redis restart).
   */
  async heartbeat(record: InstanceRecord): Promise<boolean> {
    const json = JSON.stringify(record);
    const existed = await runScript(
      this.redis,
      HEARTBEAT,
      [LOAD_KEY, instanceKey(record.id)],
      [record.id, json, record.connections, this.ttlMs],
    );
    return existed === 1;
  }

  /** Takes this instance out of the pool at once (clean shutdown). */
  async deregister(id: string): Promise<void> {
    await this.redis.del(instanceKey(id));
    await this.redis.zrem(LOAD_KEY, id);
  }

  async pickLeastLoaded(): Promise<InstanceRecord | undefined> {
    const json = await runScript(this.redis, PICK_LEAST_LOADED, [LOAD_KEY], [KEY_PREFIX]);
    return typeof json === "string" ? parseRecord(json) : undefined;
  }

  /**
   * Ids of instances that stopped heart-beating, each returned to one caller,
   * who cleans up and then calls `finishReaping`.
   */
  async claimDead(): Promise<string[]> {
    const args = [KEY_PREFIX, LOCK_PREFIX, this.reaperLockMs];
    const ids = await runScript(this.redis, CLAIM_DEAD, [LOAD_KEY], args);
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
  }

  async finishReaping(id: string): Promise<void> {
    const keys = [LOAD_KEY, instanceKey(id), reaperLockKey(id)];
    await runScript(this.redis, FINISH_REAPING, keys, [id]);
  }

  async list(): Promise<InstanceRecord[]> {
    const ids = await this.redis.zrange(LOAD_KEY, "0", "-1");
    if (ids.length === 0) return [];
    const records = await this.redis.mget(ids.map(instanceKey));
    return records.flatMap((json) => {
      const record = json === null ? undefined : parseRecord(json);
      return record ? [record] : [];
    });
  }
}

function parseRecord(json: string): InstanceRecord | undefined {
  try {
    const value = JSON.parse(json) as Partial<InstanceRecord>;
    if (typeof value.id !== "string" || typeof value.url !== "string") return undefined;
    return { id: value.id, url: value.url, connections: Number(value.connections) || 0 };
  } catch {
    return undefined;
  }
}
