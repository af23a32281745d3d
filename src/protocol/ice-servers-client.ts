/**
 * Asks the server for ICE servers (`kad.ice`). Never fails: an original
 * server that ignores the request, a refusal or a malformed answer all mean
 * "nothing from the server", and the caller goes on with its own STUN.
 */
import {
  ICE_REQUEST_TIMEOUT_MS,
  ICE_REQUEST_TYPE,
  type IceServersReply,
  iceServersReplySchema,
} from "./ice-servers-message.js";
import type { RpcEndpoint } from "./mop-rpc.js";

export const NO_SERVER_ICE: IceServersReply = { iceServers: [], ttlSeconds: 0 };

export async function requestServerIce(
  rpc: RpcEndpoint,
  timeoutMs = ICE_REQUEST_TIMEOUT_MS,
): Promise<IceServersReply> {
  try {
    const reply = await rpc.request(ICE_REQUEST_TYPE, {}, timeoutMs);
    const parsed = iceServersReplySchema.safeParse(reply.payload);
    return parsed.success ? parsed.data : NO_SERVER_ICE;
  } catch {
    return NO_SERVER_ICE;
  }
}
