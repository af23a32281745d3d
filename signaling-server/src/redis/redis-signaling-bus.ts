/**
 * SignalingBus across instances: every instance subscribes to its own Redis
 * pub/sub channel, and `kad:peer:{peerId}` says which instance holds a peer's
 * socket. A message for a local peer is delivered in-process; any other is
 * published on its instance's channel. The reply-id bookkeeping of the
 * initiate chain needs nothing more (see bus/signaling-bus.ts).
 */
import type { Deliver, PeerMessage, SignalingBus } from "../bus/signaling-bus.js";
import type { Logger } from "../observability/logger.js";
import type { RedisClient } from "./redis-connection.js";
import { instanceChannel, peerKey } from "./redis-keys.js";

/** A peer's location outlives a missed cleanup by at most this long. */
export const PEER_LOCATION_TTL_MS = 60 * 60_000;
/** Locations of connected peers are rewritten this often, well inside their TTL. */
export const PEER_LOCATION_REFRESH_MS = 15 * 60_000;
/** Peer locations rewritten at once, to bound the commands in flight. */
const REFRESH_BATCH = 500;
/** Remote peer locations remembered; the oldest are forgotten first. */
const MAX_CACHED_LOCATIONS = 50_000;

interface Envelope {
  to: string;
  message: PeerMessage;
}

export class RedisSignalingBus implements SignalingBus {
  private readonly local = new Map<string, Deliver>();
  /**
   * Peers never move between instances, so a location read once stays right
   * until the peer leaves; after that, its instance answers what it cannot
   * deliver (see `receive`). Saves a Redis read on every relayed step.
   */
  private readonly locations = new Map<string, string>();
  private readonly channel: string;
  private readonly onMessage = (channel: string, text: string) => this.receive(channel, text);

  constructor(
    private readonly redis: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly instanceId: string,
    private readonly logger: Logger,
    private sharded: boolean,
  ) {
    this.channel = instanceChannel(instanceId);
  }

  /**
   * Whether the bus uses sharded pub/sub (Redis Cluster on Redis 7+): each
   * message then travels to one shard instead of being broadcast to every node.
   */
  get usesShardedPubSub(): boolean {
    return this.sharded;
  }

  async start(): Promise<void> {
    if (this.sharded) {
      this.subscriber.on("smessage", this.onMessage);
      try {
        await this.subscriber.ssubscribe(this.channel);
        return;
      } catch (error) {
        // Redis before 7 has no sharded pub/sub; every instance falls back alike.
        this.logger.warn({ err: String(error) }, "no sharded pub/sub; using PUBLISH");
        this.subscriber.off("smessage", this.onMessage);
        this.sharded = false;
      }
    }
    this.subscriber.on("message", this.onMessage);
    await this.subscriber.subscribe(this.channel);
  }

  async attach(peerId: string, deliver: Deliver): Promise<void> {
    this.local.set(peerId, deliver);
    await this.redis.set(peerKey(peerId), this.instanceId, "PX", PEER_LOCATION_TTL_MS);
  }

  /**
   * Never rejects: the peer is unreachable as soon as it leaves the local map.
   * A location left in Redis by an outage only points here, where messages
   * for unknown peers are dropped, and it expires.
   */
  async detach(peerId: string): Promise<void> {
    if (!this.local.delete(peerId)) return;
    await this.redis.del(peerKey(peerId)).catch((error: unknown) => {
      this.logger.debug({ err: String(error) }, "could not delete a peer location");
    });
  }

  async send(peerId: string, message: PeerMessage): Promise<boolean> {
    const deliver = this.local.get(peerId);
    if (deliver) {
      deliver(structuredClone(message));
      return true;
    }
    const holder = this.locations.get(peerId) ?? (await this.lookUp(peerId));
    if (holder === undefined) return false;
    const envelope: Envelope = { to: peerId, message };
    const text = JSON.stringify(envelope);
    if (this.sharded) await this.redis.spublish(instanceChannel(holder), text);
    else await this.redis.publish(instanceChannel(holder), text);
    return true;
  }

  private async lookUp(peerId: string): Promise<string | undefined> {
    const holder = await this.redis.get(peerKey(peerId));
    // Our own id with no local peer: a location left over from before a restart.
    if (holder === null || holder === this.instanceId) return undefined;
    if (this.locations.size >= MAX_CACHED_LOCATIONS) {
      const oldest = this.locations.keys().next().value;
      if (oldest !== undefined) this.locations.delete(oldest);
    }
    this.locations.set(peerId, holder);
    return holder;
  }

  /** Rewrites the location of every local peer (periodically, and after Redis lost its data). */
  async refreshLocations(): Promise<void> {
    const peerIds = [...this.local.keys()];
    for (let start = 0; start < peerIds.length; start += REFRESH_BATCH) {
      // One command per key: in a Cluster the keys live on different nodes.
      const batch = peerIds.slice(start, start + REFRESH_BATCH);
      await Promise.all(
        batch.map((peerId) =>
          this.redis.set(peerKey(peerId), this.instanceId, "PX", PEER_LOCATION_TTL_MS),
        ),
      );
    }
  }

  /** Rewrites the locations Redis no longer has (one shard lost its data); returns how many. */
  async restoreMissingLocations(): Promise<number> {
    const peerIds = [...this.local.keys()];
    let restored = 0;
    for (let start = 0; start < peerIds.length; start += REFRESH_BATCH) {
      const batch = peerIds.slice(start, start + REFRESH_BATCH);
      const exists = await Promise.all(batch.map((peerId) => this.redis.exists(peerKey(peerId))));
      const missing = batch.filter((_, index) => exists[index] === 0);
      await Promise.all(
        missing.map((peerId) =>
          this.redis.set(peerKey(peerId), this.instanceId, "PX", PEER_LOCATION_TTL_MS),
        ),
      );
      restored += missing.length;
    }
    return restored;
  }

  async close(): Promise<void> {
    this.subscriber.off("message", this.onMessage);
    this.subscriber.off("smessage", this.onMessage);
    const peerIds = [...this.local.keys()];
    this.local.clear();
    this.locations.clear();
    const unsubscribed = this.sharded
      ? this.subscriber.sunsubscribe(this.channel)
      : this.subscriber.unsubscribe(this.channel);
    await unsubscribed.catch(() => undefined);
    await Promise.all(peerIds.map((peerId) => this.redis.del(peerKey(peerId)))).catch(
      () => undefined,
    );
  }

  private receive(channel: string, text: string): void {
    if (channel !== this.channel) return;
    const envelope = parseEnvelope(text);
    if (!envelope) {
      this.logger.warn({ channel }, "dropped a malformed bus message");
      return;
    }
    const deliver = this.local.get(envelope.to);
    if (!deliver) {
      // The peer left after the sender found it: whoever waits on its reply hears so now.
      const route = envelope.message.replyRoute;
      if (route) {
        const answer = { frame: { replyId: route.replyId, payload: { err: "peer-left" } } };
        this.send(route.peerId, answer).catch(() => undefined);
      }
      return;
    }
    try {
      deliver(envelope.message);
    } catch (error) {
      this.logger.error({ err: error }, "delivering a bus message failed");
    }
  }
}

function parseEnvelope(text: string): Envelope | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { to, message } = value as Partial<Envelope>;
  if (typeof to !== "string" || typeof message !== "object" || message === null) return undefined;
  if (typeof message.frame !== "object" || message.frame === null) return undefined;
  return { to, message };
}
