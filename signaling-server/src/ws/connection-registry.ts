/**
 * Every open signaling connection on this instance: dispatches their frames,
 * counts them per IP, pings them, and closes them all at shutdown.
 */
import type { WebSocket } from "ws";
import { ICE_REQUEST_TYPE } from "../../../src/protocol/ice-servers-message.js";
import { every } from "../clock.js";
import type { ServerContext } from "../options.js";
import { handleIceRequest } from "./ice-request.js";
import { handleConnect } from "./join-room.js";
import { memberListFor, pushMemberLists } from "./members.js";
import {
  abandonPending,
  deliverToConnection,
  handleInitiate,
  handleReply,
  stepTimedOut,
} from "./relay.js";
import { CLOSE, type ConnectionHandlers, SignalingConnection } from "./signaling-connection.js";

export class ConnectionRegistry {
  private readonly connections = new Set<SignalingConnection>();
  private readonly perIp = new Map<string, number>();
  private readonly leaving = new Set<Promise<void>>();
  private readonly stopPinging: () => void;

  constructor(private readonly context: ServerContext) {
    this.stopPinging = every(context.clock, context.limits.pingIntervalMs, () => {
      for (const connection of this.connections) connection.ping();
    });
  }

  get size(): number {
    return this.connections.size;
  }

  /** Why a new connection from `ip` must be refused, if it must. */
  refusal(ip: string): "server-full" | "ip-limit" | undefined {
    if (this.connections.size >= this.context.limits.maxConnections) return "server-full";
    if ((this.perIp.get(ip) ?? 0) >= this.context.limits.maxConnectionsPerIp) return "ip-limit";
    return undefined;
  }

  add(socket: WebSocket, ip: string): void {
    const context = this.context;
    const connection = new SignalingConnection(context, socket, ip, this.handlers);
    this.connections.add(connection);
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    context.metrics.inc("kad_connections_total");
    context.metrics.inc("kad_connections_open");
  }

  /** Closes every connection with 1001 and waits until they have left their rooms. */
  async closeAll(): Promise<void> {
    this.stopPinging();
    for (const connection of this.connections) {
      connection.close(CLOSE.goingAway, "server shutting down");
    }
    await Promise.all(this.leaving);
  }

  private readonly handlers: ConnectionHandlers = {
    onRequest: (connection, frame) => {
      const { context } = this;
      const run = (task: Promise<void>) =>
        task.catch((error: unknown) => {
          context.logger.error({ err: error }, "failed to handle a signaling request");
          connection.reply(frame.id, { err: "INTERNAL_ERROR" });
        });
      if (frame.type === "connect") {
        const deliver = (message: Parameters<typeof deliverToConnection>[2]) =>
          deliverToConnection(context, connection, message);
        run(handleConnect(context, connection, frame.payload, frame.id, deliver));
      } else if (frame.type === ICE_REQUEST_TYPE) {
        handleIceRequest(context, connection, frame.id);
      } else if (connection.state !== "joined") {
        // Not abusive: a client may pipeline a request behind its connect.
        connection.reject("not-joined");
      } else if (frame.type === "users") {
        run(this.replyMembers(connection, frame.id));
      } else if (frame.type === "initiate") {
        run(handleInitiate(context, connection, frame.payload, frame.id));
      } else {
        connection.reject("unknown-type");
      }
    },
    onReply: (connection, frame) => {
      if (connection.state !== "joined") {
        connection.reject("unexpected-reply");
        return;
      }
      handleReply(this.context, connection, frame.replyId, frame.payload, frame.id);
    },
    onStepTimeout: (_connection, route) => stepTimedOut(this.context, route),
    onClose: (connection) => {
      this.connections.delete(connection);
      const left = (this.perIp.get(connection.ip) ?? 1) - 1;
      if (left > 0) this.perIp.set(connection.ip, left);
      else this.perIp.delete(connection.ip);
      this.context.metrics.dec("kad_connections_open");
      abandonPending(this.context, connection);
      if (connection.room) {
        const leaving = this.leave(connection).finally(() => this.leaving.delete(leaving));
        this.leaving.add(leaving);
      }
    },
  };

  private async replyMembers(
    connection: SignalingConnection,
    id: string | undefined,
  ): Promise<void> {
    const room = connection.room?.name as string;
    const members = await this.context.store.listMembers(room);
    connection.reply(id, memberListFor(members, connection.peerId));
  }

  private async leave(connection: SignalingConnection): Promise<void> {
    const { context } = this;
    const room = connection.room?.name as string;
    context.metrics.dec("kad_members_joined");
    try {
      await context.bus.detach(connection.peerId);
      await context.store.removeMember(room, connection.peerId);
      await pushMemberLists(context, room, connection.peerId);
    } catch (error) {
      context.logger.warn({ err: error }, "could not remove a member that left");
    }
  }
}
