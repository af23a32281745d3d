/**
 * Every Redis key and channel kad uses, in one place. The `{...}` hash tags
 * keep the keys one script touches in one Redis Cluster slot: a room and its
 * members share `{<room name>}`, the instance pool shares `{kad:instances}`.
 * See signaling-server/src/redis/README.md for the whole layout.
 */

/** HASH name, passwordHash, webSocketUri, createdAt, seq; expires with the room. */
export const roomKey = (name: string) => `kad:room:{${name}}`;
/** HASH peerId -> "<join seq>:<username>"; expires with the room. */
export const roomMembersKey = (name: string) => `kad:room:{${name}}:members`;
/** STRING instance id: which instance holds this peer's socket. */
export const peerKey = (peerId: string) => `kad:peer:{${peerId}}`;
/** SET of "<room name>/<peer id>" joined through this instance, for cleanup after it dies. */
export const instanceMembersKey = (instanceId: string) => `kad:instance:{${instanceId}}:members`;
/** ZSET instance id -> load (connections, plus rooms handed out since its last heartbeat). */
export const LOAD_KEY = "{kad:instances}:load";
/** STRING JSON {id, url, connections}; expires unless the instance keeps heart-beating. */
export const instanceKey = (id: string) => `{kad:instances}:${id}`;
/** STRING lock held by the instance cleaning up after dead instance ID. */
export const reaperLockKey = (id: string) => `{kad:instances}:reaping:${id}`;
/**
 * Pub/sub channel on which an instance receives messages for its peers. On a
 * Cluster it is a sharded channel (SPUBLISH/SSUBSCRIBE): the hash tag picks
 * the one shard that carries it.
 */
export const instanceChannel = (instanceId: string) => `kad:bus:{${instanceId}}`;

/** Room names match [a-zA-Z0-9-], so "/" separates them from the peer id. */
export function membershipEntry(roomName: string, peerId: string): string {
  return `${roomName}/${peerId}`;
}

export function parseMembershipEntry(entry: string): { roomName: string; peerId: string } | null {
  const slash = entry.indexOf("/");
  if (slash <= 0 || slash === entry.length - 1) return null;
  return { roomName: entry.slice(0, slash), peerId: entry.slice(slash + 1) };
}
