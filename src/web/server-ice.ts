/**
 * The ICE servers for the page's next RTCPeerConnection: the policy of
 * ice-policy.ts plus what kad's server grants members of the room (`kad.ice`:
 * TURN credentials and its STUN). Asked again after each join, and when the
 * credentials are past half their lifetime, so a page left open stays able
 * to relay.
 */
import { NO_SERVER_ICE, requestServerIce } from "../protocol/ice-servers-client.js";
import type { IceServersReply } from "../protocol/ice-servers-message.js";
import type { RpcEndpoint } from "../protocol/mop-rpc.js";
import { iceServersFor } from "./ice-policy.js";

export class ServerIce {
  private grant: Promise<IceServersReply> = Promise.resolve(NO_SERVER_ICE);
  private askedAt = 0;
  private rpc: RpcEndpoint | undefined;

  constructor(
    private readonly hostname: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Call after each successful join, with that connection's endpoint. */
  joined(rpc: RpcEndpoint): void {
    this.rpc = rpc;
    this.ask(rpc);
  }

  async current(): Promise<RTCIceServer[]> {
    let reply = await this.grant;
    const halfLife = (reply.ttlSeconds * 1000) / 2;
    if (this.rpc && reply.ttlSeconds > 0 && this.now() - this.askedAt > halfLife) {
      this.ask(this.rpc);
      reply = await this.grant;
    }
    return iceServersFor(this.hostname, reply.iceServers);
  }

  private ask(rpc: RpcEndpoint): void {
    this.askedAt = this.now();
    this.grant = requestServerIce(rpc);
  }
}
