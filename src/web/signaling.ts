/**
 * The page's signaling WebSocket (browser-protocol.md section 2): mop-rpc over
 * the `signaling` subprotocol, joining a room, the member list, and incoming
 * `initiate` requests handed to the room.
 */
import { type IncomingRequest, RpcEndpoint } from "../protocol/mop-rpc.js";
import {
  type ConnectPayload,
  connectReplySchema,
  initiatePayloadSchema,
  type Member,
  memberListSchema,
  type SessionDescription,
  SIGNALING_SUBPROTOCOL,
} from "../protocol/signaling-messages.js";
import { PageError } from "./page-error.js";

const OPEN_TIMEOUT_MS = 10_000;

export interface IncomingInitiate {
  from: string;
  offer: SessionDescription;
  replyId: string;
}

export interface SignalingHandlers {
  onMembers(members: Member[]): void;
  onInitiate(initiate: IncomingInitiate): void;
  onClose(): void;
}

const JOIN_REFUSALS = [
  "notfound",
  "USERNAME_CONFLICT",
  "CREDENTIALS",
  "ROOM_FULL",
  "RATE_LIMITED",
] as const;
export type JoinResult = "joined" | (typeof JOIN_REFUSALS)[number] | "error";

export class Signaling {
  readonly rpc: RpcEndpoint;
  private closedByUs = false;

  private constructor(
    private readonly socket: WebSocket,
    private readonly handlers: SignalingHandlers,
  ) {
    this.rpc = new RpcEndpoint({
      send: (text) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(text);
      },
      onRequest: (request) => this.handleRequest(request),
    });
    socket.addEventListener("message", (event) => {
      // The protocol is text only; anything else is ignored as the original did.
      if (typeof event.data === "string") this.rpc.receive(event.data);
    });
    socket.addEventListener("close", () => {
      this.rpc.close();
      if (!this.closedByUs) handlers.onClose();
    });
  }

  static open(uri: string, handlers: SignalingHandlers): Promise<Signaling> {
    return new Promise((resolve, reject) => {
      let socket: WebSocket;
      try {
        socket = new WebSocket(uri, SIGNALING_SUBPROTOCOL);
      } catch {
        reject(unreachable());
        return;
      }
      const timer = setTimeout(() => {
        socket.close();
        reject(unreachable());
      }, OPEN_TIMEOUT_MS);
      socket.addEventListener("open", () => {
        clearTimeout(timer);
        resolve(new Signaling(socket, handlers));
      });
      socket.addEventListener("close", () => {
        clearTimeout(timer);
        reject(unreachable());
      });
    });
  }

  async join(payload: ConnectPayload): Promise<JoinResult> {
    const reply = await this.rpc.request("connect", payload);
    const parsed = connectReplySchema.safeParse(reply.payload);
    if (!parsed.success) return "error";
    const err = parsed.data.err;
    if (err === null) return "joined";
    return JOIN_REFUSALS.find((refusal) => refusal === err) ?? "error";
  }

  async listMembers(): Promise<Member[]> {
    const reply = await this.rpc.request("users", {});
    const members = memberListSchema.safeParse(reply.payload);
    return members.success ? members.data : [];
  }

  close(): void {
    this.closedByUs = true;
    this.rpc.close();
    this.socket.close(1000);
  }

  private handleRequest(request: IncomingRequest): void {
    if (request.type === "users") {
      const members = memberListSchema.safeParse(request.payload);
      if (members.success) this.handlers.onMembers(members.data);
      return;
    }
    if (request.type === "initiate" && request.id !== undefined) {
      const initiate = initiatePayloadSchema.safeParse(request.payload);
      if (!initiate.success) return;
      this.handlers.onInitiate({
        from: initiate.data.id,
        offer: initiate.data.offerSDP,
        replyId: request.id,
      });
    }
  }
}

function unreachable(): PageError {
  return new PageError(
    "server-unreachable",
    "Cannot open the signaling connection to the server. Check your connection and try again.",
  );
}
