/**
 * Everything one signaling instance needs to run as part of a pool sharing
 * Redis: the room store, the cross-instance bus, the least-loaded picker, and
 * the heartbeat that keeps this instance registered, cleans up after dead
 * ones and puts this instance's state back when Redis lost it.
 *
 *   const scaleOut = await RedisScaleOut.connect({ target });
 *   const server = await startSignalingServer({ ...scaleOut.serverOptions() });
 *   await scaleOut.register({ webSocketUri, connections: () => ... });
 *   ...
 *   await server.close();  await scaleOut.close();
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "../observability/logger.js";
import { silentLogger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { announceMembers, DeadInstanceReaper } from "./dead-instance-reaper.js";
import { INSTANCE_HEARTBEAT_MS, INSTANCE_TTL_MS, InstanceRegistry } from "./instance-registry.js";
import { LeastLoadedPicker } from "./least-loaded-picker.js";
import {
  connectRedisClient,
  createRedisClient,
  describeTarget,
  type RedisClient,
  type RedisTarget,
} from "./redis-connection.js";
import { instanceMembersKey } from "./redis-keys.js";
import { RedisRoomStore } from "./redis-room-store.js";
import { PEER_LOCATION_REFRESH_MS, RedisSignalingBus } from "./redis-signaling-bus.js";

export interface ScaleOutOptions {
  target: RedisTarget;
  logger?: Logger;
  /** Unique per process; default random. */
  instanceId?: string;
  /** Tests shorten these to see dead instances vanish quickly. */
  heartbeatMs?: number;
  instanceTtlMs?: number;
  /** How often this instance checks that Redis still has its rooms and peers. */
  stateCheckMs?: number;
}

/**
 * How often an instance checks that Redis still holds its rooms and peer
 * locations, which one Cluster shard may lose on its own (a master restarted
 * without persistence). A full loss is noticed sooner, on the next heartbeat.
 */
export const STATE_CHECK_MS = 30_000;

export interface InstanceSelf {
  /** The ws(s):// URI clients reach this instance at. */
  webSocketUri: string;
  /** Open connections right now, the load the picker balances. */
  connections: () => number;
  /** The server's metrics, to which the pool's gauges are added. */
  metrics?: Metrics;
}

export class RedisScaleOut {
  readonly instanceId: string;
  readonly store: RedisRoomStore;
  readonly bus: RedisSignalingBus;
  readonly picker: LeastLoadedPicker;
  private readonly registry: InstanceRegistry;
  private readonly reaper: DeadInstanceReaper;
  private readonly heartbeatMs: number;
  private self: InstanceSelf | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastLocationRefresh = Date.now();
  private lastStateCheck = Date.now();
  private readonly stateCheckMs: number;
  private beating: Promise<void> = Promise.resolve();
  private redisHealthy = true;
  private liveInstances = 0;
  private closed = false;

  static async connect(options: ScaleOutOptions): Promise<RedisScaleOut> {
    const logger = (options.logger ?? silentLogger).child({ component: "redis" });
    const clients: RedisClient[] = [];
    const onError = (error: Error) =>
      logger.debug({ err: error.message }, "redis connection error");
    try {
      // The second connection only subscribes; on a Cluster, one per shard.
      for (const subscriber of [false, true]) {
        const client = await createRedisClient(options.target, onError, subscriber);
        clients.push(client);
        await connectRedisClient(client, options.target);
      }
    } catch (error) {
      for (const client of clients) client.disconnect();
      throw error;
    }
    const [commands, subscriber] = clients as [RedisClient, RedisClient];
    const scaleOut = new RedisScaleOut(commands, subscriber, options, logger);
    try {
      await scaleOut.bus.start();
    } catch (error) {
      await scaleOut.close();
      throw error;
    }
    logger.info(
      { redis: describeTarget(options.target), instance: scaleOut.instanceId },
      "using Redis",
    );
    return scaleOut;
  }

  private constructor(
    private readonly redis: RedisClient,
    private readonly subscriber: RedisClient,
    options: ScaleOutOptions,
    private readonly logger: Logger,
  ) {
    this.instanceId = options.instanceId ?? randomBytes(8).toString("hex");
    this.heartbeatMs = options.heartbeatMs ?? INSTANCE_HEARTBEAT_MS;
    this.stateCheckMs = options.stateCheckMs ?? STATE_CHECK_MS;
    this.registry = new InstanceRegistry(redis, options.instanceTtlMs ?? INSTANCE_TTL_MS);
    this.store = new RedisRoomStore(redis, this.instanceId);
    const sharded = options.target.kind === "cluster";
    this.bus = new RedisSignalingBus(redis, subscriber, this.instanceId, logger, sharded);
    this.picker = new LeastLoadedPicker(this.registry, () => this.self?.webSocketUri);
    this.reaper = new DeadInstanceReaper(redis, this.store, this.bus, logger);
  }

  /** The parts startSignalingServer takes. */
  serverOptions(): { store: RedisRoomStore; bus: RedisSignalingBus; picker: LeastLoadedPicker } {
    return { store: this.store, bus: this.bus, picker: this.picker };
  }

  /** Joins the pool of instances POST /rooms hands out, and keeps heart-beating. */
  async register(self: InstanceSelf): Promise<void> {
    this.self = self;
    self.metrics?.defineComputed("kad_redis_up", "1 while Redis answers heartbeats.", () =>
      this.redisHealthy ? 1 : 0,
    );
    self.metrics?.defineComputed(
      "kad_instances_live",
      "Signaling instances in the pool at the last heartbeat.",
      () => this.liveInstances,
    );
    await this.heartbeat();
    this.schedule();
  }

  /** Live instances, for diagnostics and tests. */
  listInstances() {
    return this.registry.list();
  }

  /** Leaves the pool and removes whatever this instance still has in Redis. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    // Shutdown must finish even if Redis hangs: each step gets a deadline.
    await withDeadline(this.beating);
    try {
      await withDeadline(this.registry.deregister(this.instanceId));
      await withDeadline(this.reaper.reap(this.instanceId));
    } catch (error) {
      this.logger.warn({ err: errorText(error) }, "could not deregister from Redis");
    }
    await withDeadline(this.bus.close()).catch(() => undefined);
    await this.store.close();
    const clients = [this.redis, this.subscriber];
    await withDeadline(Promise.all(clients.map((client) => client.quit()))).catch(() => undefined);
    for (const client of clients) client.disconnect();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.beating = this.heartbeat().finally(() => this.schedule());
    }, this.heartbeatMs);
    this.timer.unref();
  }

  /** One beat: refresh the record, repair what Redis lost, clean up after dead instances. */
  private async heartbeat(): Promise<void> {
    const self = this.self;
    if (!self || this.closed) return;
    try {
      const wasRegistered = await this.registry.heartbeat({
        id: this.instanceId,
        url: self.webSocketUri,
        connections: self.connections(),
      });
      if (!wasRegistered || (await this.lostMemberIndex())) await this.restore();
      else if (Date.now() - this.lastLocationRefresh > PEER_LOCATION_REFRESH_MS) {
        await this.bus.refreshLocations();
        this.lastLocationRefresh = Date.now();
      }
      for (const room of await this.store.retryUnfinishedRemovals()) {
        await announceMembers(this.store, this.bus, room);
      }
      if (Date.now() - this.lastStateCheck > this.stateCheckMs) await this.restoreMissingState();
      for (const deadId of await this.registry.claimDead()) {
        await this.reaper.reap(deadId);
        await this.registry.finishReaping(deadId);
      }
      this.liveInstances = (await this.registry.list()).length;
      if (!this.redisHealthy) this.logger.info("Redis is reachable again");
      this.redisHealthy = true;
    } catch (error) {
      if (this.redisHealthy) this.logger.error({ err: errorText(error) }, "Redis heartbeat failed");
      this.redisHealthy = false;
    }
  }

  /** Another instance reaped this one (it looked dead) although its members are still here. */
  private async lostMemberIndex(): Promise<boolean> {
    if (this.store.localMemberCount === 0) return false;
    return (await this.redis.exists(instanceMembersKey(this.instanceId))) === 0;
  }

  /** Puts back rooms and peer locations that part of Redis lost. */
  private async restoreMissingState(): Promise<void> {
    const locations = await this.bus.restoreMissingLocations();
    // Idempotent and cheap per room: it writes only what is missing, so a room
    // another instance already put back still gets this instance's members.
    const rooms = await this.store.restoreLocalMembers();
    for (const room of rooms) await announceMembers(this.store, this.bus, room);
    this.lastStateCheck = Date.now();
    if (locations + rooms.length > 0) {
      this.logger.warn({ rooms: rooms.length, locations }, "restored state Redis had lost");
    }
  }

  private async restore(): Promise<void> {
    await this.bus.refreshLocations();
    this.lastLocationRefresh = Date.now();
    const rooms = await this.store.restoreLocalMembers();
    for (const room of rooms) await announceMembers(this.store, this.bus, room);
    if (rooms.length > 0)
      this.logger.warn({ rooms: rooms.length }, "restored rooms Redis had lost");
  }
}

/** Longest any one step of shutdown waits for Redis. */
const SHUTDOWN_STEP_MS = 3_000;

function withDeadline<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("Redis did not answer in time")), SHUTDOWN_STEP_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** ioredis's words for "the connection is down" mean little to an operator. */
function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return /Stream isn't writeable|Connection is closed|Cluster isn't ready/.test(text)
    ? "not connected to Redis"
    : text;
}
