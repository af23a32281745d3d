/**
 * `kad.ice` (src/protocol/ice-servers-message.ts): TURN credentials go only to
 * a connection that has joined a room, never to anyone who merely connects,
 * so the relay cannot be borrowed without a code.
 */
import { ICE_NOT_JOINED } from "../../../src/protocol/ice-servers-message.js";
import type { ServerContext } from "../options.js";
import type { SignalingConnection } from "./signaling-connection.js";

export function handleIceRequest(
  context: ServerContext,
  connection: SignalingConnection,
  replyId: string | undefined,
): void {
  if (connection.state !== "joined") {
    connection.reject("not-joined");
    connection.reply(replyId, ICE_NOT_JOINED);
    return;
  }
  if (!context.turn) {
    connection.reply(replyId, { iceServers: [], ttlSeconds: 0 });
    return;
  }
  context.metrics.inc("kad_turn_credentials_total");
  connection.reply(replyId, context.turn.issue(context.clock.now()));
}
