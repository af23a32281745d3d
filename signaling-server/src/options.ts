/** What startSignalingServer accepts, and the context every part of the server shares. */
import type { SignalingBus } from "./bus/signaling-bus.js";
import type { Clock } from "./clock.js";
import type { InstancePicker } from "./instance-picker.js";
import type { Guards } from "./limits/guards.js";
import type { ServerLimits } from "./limits/server-limits.js";
import type { Logger } from "./observability/logger.js";
import type { Metrics } from "./observability/metrics.js";
import type { RoomStore } from "./store/room-store.js";
import type { TurnIssuer } from "./turn/turn-credentials.js";

export interface SignalingServerOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Base URL clients reach this server at (http/https); derives the ws/wss URI in POST /rooms. */
  publicUrl?: string;
  /**
   * The server sits behind one reverse proxy: count limits against the last
   * X-Forwarded-For address and honour X-Forwarded-Proto. Never set it when
   * clients can reach the server directly: they could then pick their address.
   */
  trustProxy?: boolean;
  /** Origins allowed by CORS and at the WebSocket handshake; unset means any origin. */
  allowOrigins?: string[];
  /** Room store; default a MemoryRoomStore owned (and closed) by the server. */
  store?: RoomStore;
  /** Peer message delivery; default a LocalSignalingBus. */
  bus?: SignalingBus;
  /** Which WebSocket URI POST /rooms returns; default this instance's own. */
  picker?: InstancePicker;
  /** Directory of static files served at "/" (the web page). */
  webRoot?: string;
  /** pino-compatible logger; default silent. */
  logger?: Logger;
  /** Time source for every timeout and expiry; tests pass a fake one. */
  clock?: Clock;
  limits?: Partial<ServerLimits>;
  /** Hands joined members TURN credentials (`kad.ice`); unset, they get an empty list. */
  turn?: TurnIssuer;
}

export interface RunningServer {
  /** HTTP base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Counters behind GET /metrics. */
  metrics: Metrics;
  /** Stops listening, closes WebSockets with 1001, finishes in-flight HTTP. Idempotent. */
  close(): Promise<void>;
}

export interface ServerContext {
  store: RoomStore;
  bus: SignalingBus;
  picker: InstancePicker;
  clock: Clock;
  limits: ServerLimits;
  logger: Logger;
  metrics: Metrics;
  guards: Guards;
  allowOrigins: ReadonlySet<string> | undefined;
  trustProxy: boolean;
  webRoot: string | undefined;
  turn: TurnIssuer | undefined;
}
