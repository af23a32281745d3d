/** How Redis failures reach the server: "unavailable" (503) or a real error (500). */
import { StoreUnavailableError } from "../store/room-store.js";

/** Error replies that mean "not now": cluster failover, loading after a restart, memory full. */
const TRANSIENT_REPLY = /^(CLUSTERDOWN|LOADING|TRYAGAIN|MASTERDOWN|BUSY|OOM)/;

/**
 * Connection trouble (refused, closed, timed out) and "not now" replies become
 * StoreUnavailableError, which the server answers with 503; other error
 * replies from Redis stay as they are (500).
 */
export async function storeCall<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (error) {
    const isReply = error instanceof Error && error.name === "ReplyError";
    if (isReply && !TRANSIENT_REPLY.test(error.message)) throw error;
    throw new StoreUnavailableError(error);
  }
}
