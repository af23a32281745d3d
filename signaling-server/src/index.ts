/**
 * The kad signaling server as a library: the kamelladjutant coordinator API
 * and signaling WebSocket in one process (browser-protocol.md sections 1-3).
 *
 *   const server = await startSignalingServer({ port: 0 });
 *   // ... server.url is the http base; POST /rooms hands out ws URIs
 *   await server.close();
 *
 * Scale-out seams: RoomStore (rooms and members), SignalingBus (delivery to a
 * peer on any instance) and InstancePicker (which WebSocket URI a new room gets).
 */

export { LocalSignalingBus } from "./bus/local-signaling-bus.js";
export type {
  ChainStage,
  Deliver,
  OutgoingFrame,
  PeerMessage,
  ReplyRoute,
  SignalingBus,
} from "./bus/signaling-bus.js";
export { type Clock, systemClock } from "./clock.js";
export {
  type InstancePicker,
  OwnUrlPicker,
  type PickContext,
  toWebSocketUri,
} from "./instance-picker.js";
export { DEFAULT_LIMITS, type ServerLimits } from "./limits/server-limits.js";
export { type Logger, silentLogger } from "./observability/logger.js";
export { Metrics } from "./observability/metrics.js";
export type { RunningServer, SignalingServerOptions } from "./options.js";
export { startSignalingServer } from "./start-server.js";
export {
  MemoryRoomStore,
  type MemoryRoomStoreOptions,
  RoomLimitError,
} from "./store/memory-room-store.js";
export { hashPassword, verifyPassword } from "./store/password.js";
export type { AddMemberResult, RoomMember, RoomRecord, RoomStore } from "./store/room-store.js";
