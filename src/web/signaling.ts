/**
 * The page's signaling connection: the shared SignalingClient
 * (src/protocol/signaling-client.ts) over the browser's WebSocket, with join
 * refusals turned into results the room view acts on.
 */
import type { RpcEndpoint } from "../protocol/mop-rpc.js";
import {
  type IncomingInitiate,
  SignalingClient,
  type SocketLike,
} from "../protocol/signaling-client.js";
import type { ConnectPayload, Member } from "../protocol/signaling-messages.js";
import { isKadError } from "../util/errors.js";
import { toPageError } from "./kad-errors.js";

export type { IncomingInitiate };

const OPEN_TIMEOUT_MS = 10_000;

export interface SignalingHandlers {
  onMembers(members: Member[]): void;
  onInitiate(initiate: IncomingInitiate): void;
  onClose(): void;
}

export type JoinResult = "joined" | "notfound" | "USERNAME_CONFLICT" | "CREDENTIALS";

export class Signaling {
  private closedByUs = false;

  private constructor(
    private readonly client: SignalingClient,
    handlers: SignalingHandlers,
  ) {
    client.onMembers((members) => handlers.onMembers(members));
    client.onInitiate((initiate) => handlers.onInitiate(initiate));
    void client.closed.then(() => {
      if (!this.closedByUs) handlers.onClose();
    });
  }

  static async open(uri: string, handlers: SignalingHandlers): Promise<Signaling> {
    const createSocket = (url: string, protocol: string) =>
      new WebSocket(url, protocol) as unknown as SocketLike;
    try {
      return new Signaling(
        await SignalingClient.open(uri, createSocket, OPEN_TIMEOUT_MS),
        handlers,
      );
    } catch (error) {
      throw toPageError(error);
    }
  }

  get rpc(): RpcEndpoint {
    return this.client.rpc;
  }

  /** Joins; refusals the room view can act on come back as results, the rest throw. */
  async join(payload: ConnectPayload): Promise<JoinResult> {
    try {
      await this.client.join(payload);
      return "joined";
    } catch (error) {
      if (isKadError(error) && error.code === "ROOM_NOT_FOUND") return "notfound";
      if (isKadError(error) && error.code === "CREDENTIALS") return "CREDENTIALS";
      if (isKadError(error) && error.code === "USERNAME_CONFLICT") return "USERNAME_CONFLICT";
      throw toPageError(error);
    }
  }

  listMembers(): Promise<Member[]> {
    return this.client.refreshMembers();
  }

  close(): void {
    this.closedByUs = true;
    this.client.close();
  }
}
