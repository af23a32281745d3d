/**
 * Client side of the signaling WebSocket (browser-protocol.md section 2): join a
 * room, track its members, send and accept initiates. The WebSocket is injected
 * (browser WebSocket or the `ws` package), so the web page can use this too.
 *
 *   connecting --open--> unjoined --connect ok--> joined --close--> closed
 */
import { KadError } from "../util/errors.js";
import { ROOM_TTL_MS, RPC_TIMEOUT_MS } from "./limits.js";
import { type IncomingRequest, RpcEndpoint, RpcTimeoutError } from "./mop-rpc.js";
import {
  type ConnectPayload,
  connectReplySchema,
  initiatePayloadSchema,
  type Member,
  memberListSchema,
  SIGNALING_SUBPROTOCOL,
} from "./signaling-messages.js";

export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type SocketFactory = (url: string, protocol: string) => SocketLike;

export type SignalingState = "connecting" | "unjoined" | "joined" | "closed";

export interface IncomingInitiate {
  from: string;
  offer: unknown;
  requestId: string;
}

const OPEN = 1;

export class SignalingClient {
  readonly rpc: RpcEndpoint;
  /** Resolves when the connection closes, for whatever reason. */
  readonly closed: Promise<void>;
  private state: SignalingState = "connecting";
  private memberList: Member[] = [];
  private memberListeners: Array<(members: Member[]) => void> = [];
  private initiateHandler: ((initiate: IncomingInitiate) => void) | undefined;
  private resolveClosed!: () => void;

  private constructor(private readonly socket: SocketLike) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.rpc = new RpcEndpoint({
      send: (text) => {
        if (this.socket.readyState === OPEN) this.socket.send(text);
      },
      onRequest: (request) => this.handleRequest(request),
    });
  }

  /** Opens the WebSocket; SERVER_UNREACHABLE when it cannot. */
  static open(
    url: string,
    createSocket: SocketFactory,
    timeoutMs = RPC_TIMEOUT_MS,
  ): Promise<SignalingClient> {
    const socket = createSocket(url, SIGNALING_SUBPROTOCOL);
    const client = new SignalingClient(socket);
    return new Promise((resolve, reject) => {
      const unreachable = () =>
        new KadError("SERVER_UNREACHABLE", "cannot open the signaling connection", {
          hint: "The server may be down, or a proxy blocks WebSockets.",
        });
      const timer = setTimeout(() => {
        socket.close();
        reject(unreachable());
      }, timeoutMs);
      socket.onopen = () => {
        clearTimeout(timer);
        client.state = "unjoined";
        resolve(client);
      };
      socket.onerror = () => {};
      socket.onmessage = (event) => {
        if (typeof event.data === "string") client.rpc.receive(event.data);
      };
      socket.onclose = () => {
        clearTimeout(timer);
        client.markClosed();
        reject(unreachable());
      };
    });
  }

  get members(): Member[] {
    return this.memberList;
  }

  /** Sends `connect`; maps the reply's `err` to a KadError. */
  async join(payload: ConnectPayload): Promise<void> {
    let reply: unknown;
    try {
      reply = (await this.rpc.request("connect", payload)).payload;
    } catch (error) {
      throw new KadError(
        error instanceof RpcTimeoutError ? "TIMEOUT" : "SERVER_UNREACHABLE",
        "the server did not let us join",
        { cause: error },
      );
    }
    const parsed = connectReplySchema.safeParse(reply);
    if (!parsed.success) throw new KadError("PROTOCOL", "the server's connect reply is malformed");
    const err = parsed.data.err;
    if (err === null) {
      this.state = "joined";
      return;
    }
    throw joinError(err);
  }

  /** Asks the server for the member list (and updates it). */
  async refreshMembers(): Promise<Member[]> {
    const reply = await this.rpc.request("users", {});
    this.updateMembers(reply.payload);
    return this.memberList;
  }

  onMembers(listener: (members: Member[]) => void): () => void {
    this.memberListeners.push(listener);
    return () => {
      this.memberListeners = this.memberListeners.filter((l) => l !== listener);
    };
  }

  onInitiate(handler: (initiate: IncomingInitiate) => void): void {
    this.initiateHandler = handler;
  }

  close(): void {
    this.rpc.close();
    try {
      this.socket.close(1000, "done");
    } catch {
      // Already closed.
    }
    this.markClosed();
  }

  private handleRequest(request: IncomingRequest): void {
    if (request.type === "users") {
      this.updateMembers(request.payload);
      return;
    }
    if (request.type !== "initiate" || request.id === undefined) return;
    const parsed = initiatePayloadSchema.safeParse(request.payload);
    if (!parsed.success) return;
    this.initiateHandler?.({
      from: parsed.data.id,
      offer: parsed.data.offerSDP,
      requestId: request.id,
    });
  }

  private updateMembers(payload: unknown): void {
    const parsed = memberListSchema.safeParse(payload);
    if (!parsed.success) return;
    this.memberList = parsed.data;
    for (const listener of this.memberListeners) listener(this.memberList);
  }

  private markClosed(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.rpc.close();
    this.resolveClosed();
  }
}

function joinError(err: string): KadError {
  switch (err) {
    case "notfound":
      return new KadError("ROOM_NOT_FOUND", "no transfer is waiting under that code", {
        hint: `Codes expire after ${ROOM_TTL_MS / 60_000} minutes or when the sender stops.`,
      });
    case "CREDENTIALS":
      return new KadError("CREDENTIALS", "wrong password for this code", {
        hint: "Ask the sender for the password and pass it with --password (or KAD_PASSWORD).",
      });
    case "RATE_LIMITED":
      return new KadError("RATE_LIMITED", "the server refused: too many failed attempts", {
        hint: "Wait a few minutes, then check the code (and password) and try again.",
      });
    case "ROOM_FULL":
      return new KadError("ROOM_FULL", "the room under that code is full", {
        hint: "Someone else may have taken the transfer; ask the sender for a new code.",
      });
    case "USERNAME_CONFLICT":
      return new KadError("USERNAME_CONFLICT", "someone in that room already uses our name", {
        hint: "Try again: kad picks a new random name each time.",
      });
    default:
      return new KadError("SERVER_UNREACHABLE", `the server could not let us join (${err})`);
  }
}
