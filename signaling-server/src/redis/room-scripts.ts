/**
 * The Lua scripts behind RedisRoomStore. Each touches only a room's two keys,
 * which share the room's hash tag, so it runs atomically on one Redis
 * Cluster slot. A member entry is "<join seq>:<username>".
 */
import { defineScript } from "./redis-script.js";

/** KEYS: room, members  ARGV: ttl, name, passwordHash, webSocketUri, createdAt */
export const CREATE_ROOM = defineScript(`
if redis.call("EXISTS", KEYS[1]) == 1 then return 0 end
-- HSET first: when Redis is out of memory, the first write of a script is refused.
redis.call("HSET", KEYS[1], "name", ARGV[2], "passwordHash", ARGV[3],
  "webSocketUri", ARGV[4], "createdAt", ARGV[5], "seq", 0)
redis.call("PEXPIRE", KEYS[1], ARGV[1])
redis.call("DEL", KEYS[2])
return 1
`);

/** KEYS: room, members  ARGV: ttl */
export const REFRESH_ROOM = defineScript(`
if redis.call("PEXPIRE", KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call("PEXPIRE", KEYS[2], ARGV[1])
return 1
`);

/**
 * KEYS: room, members  ARGV: peerId, username, maxMembers
 * Returns "ok", "notfound", "username-conflict" or "room-full".
 */
export const ADD_MEMBER = defineScript(`
local ttl = redis.call("PTTL", KEYS[1])
if ttl < 0 then return "notfound" end
local entries = redis.call("HVALS", KEYS[2])
for _, entry in ipairs(entries) do
  if string.sub(entry, string.find(entry, ":", 1, true) + 1) == ARGV[2] then
    return "username-conflict"
  end
end
if #entries >= tonumber(ARGV[3]) then return "room-full" end
local seq = redis.call("HINCRBY", KEYS[1], "seq", 1)
redis.call("HSET", KEYS[2], ARGV[1], seq .. ":" .. ARGV[2])
redis.call("PEXPIRE", KEYS[2], ttl)
return redis.call("HMGET", KEYS[1], "name", "passwordHash", "webSocketUri", "createdAt")
`);

/**
 * Puts a room and members back after Redis lost them (a restart without
 * persistence, a failover); what is still there is left alone.
 * KEYS: room, members  ARGV: ttl, name, passwordHash, webSocketUri, createdAt,
 * then peerId, username pairs. Returns how many members it added back.
 */
export const RESTORE_ROOM = defineScript(`
if redis.call("EXISTS", KEYS[1]) == 0 then
  redis.call("HSET", KEYS[1], "name", ARGV[2], "passwordHash", ARGV[3],
    "webSocketUri", ARGV[4], "createdAt", ARGV[5], "seq", 0)
  redis.call("PEXPIRE", KEYS[1], ARGV[1])
end
local added = 0
for i = 6, #ARGV, 2 do
  if redis.call("HEXISTS", KEYS[2], ARGV[i]) == 0 then
    local seq = redis.call("HINCRBY", KEYS[1], "seq", 1)
    redis.call("HSET", KEYS[2], ARGV[i], seq .. ":" .. ARGV[i + 1])
    added = added + 1
  end
end
redis.call("PEXPIRE", KEYS[2], redis.call("PTTL", KEYS[1]))
return added
`);
