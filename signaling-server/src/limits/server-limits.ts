/**
 * Every bound the server enforces, as named defaults. Any of them can be
 * overridden through `startSignalingServer({ limits })` (tests shrink them,
 * the benchmark raises the per-IP connection limit).
 */
import { MAX_FRAME_BYTES, ROOM_TTL_MS } from "../../../src/protocol/limits.js";

export interface ServerLimits {
  /** Largest WebSocket frame; bigger ones close the socket with 1009. */
  maxFrameBytes: number;
  /** Largest HTTP request body. */
  maxBodyBytes: number;
  /** Time a client has to send a whole HTTP request; a connection that sent nothing is closed silently. */
  httpRequestTimeoutMs: number;
  /** Plain HTTP connections open at once from one IP address (not counted behind a trusted proxy). */
  maxHttpConnectionsPerIp: number;
  /** Open WebSockets at once, over all clients. */
  maxConnections: number;
  /** Open WebSockets at once from one IP address. */
  maxConnectionsPerIp: number;
  /** Live rooms at once (memory guard for the embedded store). */
  maxRooms: number;
  /** Rooms one IP may create per minute. */
  roomCreationsPerIpPerMinute: number;
  /** Members in one room. */
  maxMembersPerRoom: number;
  /** Relay steps waiting on one connection's replies. */
  maxPendingRepliesPerConnection: number;
  /** Failed room lookups and joins (unknown room, bad password) per IP per window. */
  failedConnectsPerIp: number;
  /** Wrong passwords per room per window; past it, addresses that guessed wrong there are refused. */
  failedConnectsPerRoom: number;
  /** Password checks (scrypt runs, right or wrong) one IP may cause per minute. */
  passwordChecksPerIpPerMinute: number;
  /** Password checks per room per minute; past it, as past failedConnectsPerRoom. */
  passwordChecksPerRoomPerMinute: number;
  /** Password hashes and checks running at once; more wait in a queue. */
  maxConcurrentPasswordChecks: number;
  /** Password checks waiting for a slot; beyond, RATE_LIMITED (or 503 for POST /rooms). */
  maxQueuedPasswordChecks: number;
  failedConnectWindowMs: number;
  /** Frames a client may send per second, sustained. */
  framesPerSecond: number;
  /** Frames a client may send in a burst. */
  frameBurst: number;
  /** Malformed or unexpected frames tolerated before the socket is closed. */
  maxBadFrames: number;
  /** A socket that has not joined a room within this time is closed. */
  unjoinedIdleMs: number;
  /** Ping interval; a socket that missed the previous pong is terminated. */
  pingIntervalMs: number;
  /** Timeout of each step of the initiate chain. */
  initiateStepTimeoutMs: number;
  roomTtlMs: number;
  /** How often a room with a connected member has its expiry pushed back. */
  roomRefreshIntervalMs: number;
  /** Grace for in-flight HTTP requests at shutdown. */
  shutdownGraceMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxFrameBytes: MAX_FRAME_BYTES,
  maxBodyBytes: 8 * 1024,
  httpRequestTimeoutMs: 15_000,
  maxHttpConnectionsPerIp: 64,
  maxConnections: 20_000,
  maxConnectionsPerIp: 64,
  maxRooms: 100_000,
  roomCreationsPerIpPerMinute: 30,
  maxMembersPerRoom: 32,
  maxPendingRepliesPerConnection: 64,
  failedConnectsPerIp: 20,
  failedConnectsPerRoom: 20,
  passwordChecksPerIpPerMinute: 30,
  passwordChecksPerRoomPerMinute: 60,
  // libuv's pool has 4 threads shared with file reads: leave half of it free.
  maxConcurrentPasswordChecks: 2,
  maxQueuedPasswordChecks: 32,
  failedConnectWindowMs: 10 * 60_000,
  // A sender of a directory runs one initiate chain per file (two frames from
  // each side); small files finish many chains a second, so leave real room.
  framesPerSecond: 200,
  frameBurst: 400,
  maxBadFrames: 10,
  unjoinedIdleMs: 30_000,
  pingIntervalMs: 30_000,
  initiateStepTimeoutMs: 20_000,
  roomTtlMs: ROOM_TTL_MS,
  roomRefreshIntervalMs: 5 * 60_000,
  shutdownGraceMs: 5_000,
};
