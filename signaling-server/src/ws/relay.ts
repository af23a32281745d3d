/**
 * The initiate chain (browser-protocol.md section 3) as relays between peers.
 * See bus/signaling-bus.ts for how reply ids are kept. Each relayed reply is
 * checked against the stage it answers, and only its validated fields are
 * passed on (unknown keys are dropped):
 *
 *   initiate (offer) --> answer --> offerer-candidates --> answerer-candidates
 *
 * A reply `{"err": ...}` is relayed as is and ends the chain.
 */
import type { z } from "zod/mini";
import {
  answerSchema,
  candidateListSchema,
  errorReplySchema,
  initiatePayloadSchema,
  NOT_FOUND_REPLY,
  type RelayError,
} from "../../../src/protocol/signaling-messages.js";
import type { ChainStage, PeerMessage, ReplyRoute } from "../bus/signaling-bus.js";
import type { ServerContext } from "../options.js";
import type { SignalingConnection } from "./signaling-connection.js";

const STAGE_SCHEMA: Record<ChainStage, z.ZodMiniType> = {
  answer: answerSchema,
  "offerer-candidates": candidateListSchema,
  "answerer-candidates": candidateListSchema,
};

const NEXT_STAGE: Record<ChainStage, ChainStage | undefined> = {
  answer: "offerer-candidates",
  "offerer-candidates": "answerer-candidates",
  "answerer-candidates": undefined,
};

/** Step 1: A asks to reach member B of its room. */
export async function handleInitiate(
  context: ServerContext,
  connection: SignalingConnection,
  payload: unknown,
  id: string | undefined,
): Promise<void> {
  const parsed = initiatePayloadSchema.safeParse(payload);
  if (!parsed.success) {
    connection.reject("invalid-initiate", true);
    connection.reply(id, errorPayload("invalid"));
    return;
  }
  const target = parsed.data.id;
  const room = connection.room?.name;
  const members = room ? await context.store.listMembers(room) : [];
  const isMember = target !== connection.peerId && members.some((m) => m.peerId === target);
  const message: PeerMessage = {
    frame: { type: "initiate", payload: { id: connection.peerId, offerSDP: parsed.data.offerSDP } },
  };
  if (id !== undefined)
    message.replyRoute = { peerId: connection.peerId, replyId: id, stage: "answer" };
  if (!isMember || !(await context.bus.send(target, message))) {
    connection.reply(id, NOT_FOUND_REPLY);
    return;
  }
  context.metrics.inc("kad_initiates_relayed_total");
}

/** A message for `connection` arrived through the bus. */
export function deliverToConnection(
  context: ServerContext,
  connection: SignalingConnection,
  message: PeerMessage,
): void {
  const route = message.replyRoute;
  if (connection.state === "closed") {
    if (route) answerRoute(context, route, errorPayload("peer-left"));
    return;
  }
  if (!route) {
    connection.send(message.frame);
    return;
  }
  const id = connection.pending.add(route);
  if (id === undefined) {
    context.metrics.inc("kad_rate_limited_total", { limit: "pending-replies" });
    answerRoute(context, route, errorPayload("busy"));
    return;
  }
  connection.send({ ...message.frame, id });
}

/** `connection` replied to a relayed step: pass it on along the route. */
export function handleReply(
  context: ServerContext,
  connection: SignalingConnection,
  replyId: string,
  payload: unknown,
  id: string | undefined,
): void {
  const route = connection.pending.take(replyId);
  if (!route) {
    connection.reject("unexpected-reply");
    return;
  }
  // Only the validated fields travel on: nothing unchecked reaches the other peer.
  const error = errorReplySchema.safeParse(payload);
  if (error.success) {
    answerRoute(context, route, error.data);
    return;
  }
  const valid = STAGE_SCHEMA[route.stage].safeParse(payload);
  if (!valid.success) {
    connection.reject(`invalid-${route.stage}`, true);
    answerRoute(context, route, errorPayload("invalid"));
    return;
  }
  const nextStage = NEXT_STAGE[route.stage];
  const message: PeerMessage = { frame: { replyId: route.replyId, payload: valid.data } };
  if (id !== undefined && nextStage) {
    message.replyRoute = { peerId: connection.peerId, replyId: id, stage: nextStage };
  }
  context.metrics.inc("kad_relays_total", { stage: route.stage });
  context.bus.send(route.peerId, message).then(
    (delivered) => {
      if (!delivered && message.replyRoute) connection.reply(id, errorPayload("peer-left"));
    },
    (error: unknown) => context.logger.warn({ err: error }, "bus failed to relay a reply"),
  );
}

/** A relayed step got no reply in time. */
export function stepTimedOut(context: ServerContext, route: ReplyRoute): void {
  context.metrics.inc("kad_relay_timeouts_total");
  answerRoute(context, route, errorPayload("timeout"));
}

/** Tells every peer still waiting on `connection` that it is gone. */
export function abandonPending(context: ServerContext, connection: SignalingConnection): void {
  for (const route of connection.pending.drain()) {
    answerRoute(context, route, errorPayload("peer-left"));
  }
}

function answerRoute(context: ServerContext, route: ReplyRoute, payload: unknown): void {
  context.bus
    .send(route.peerId, { frame: { replyId: route.replyId, payload } })
    .catch((error: unknown) => context.logger.warn({ err: error }, "bus failed to answer a route"));
}

function errorPayload(err: RelayError): { err: RelayError } {
  return { err };
}
