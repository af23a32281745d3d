/**
 * A kad sender's second try, and how a receiver (the CLI or the page) waits
 * for it. A kad sender whose first peer connection does not open makes one
 * more with a new initiate: with a TURN relay, one with relayed candidates
 * only once the first has not opened within MIXED_ATTEMPT_MS
 * (session/peer-connect.ts); with a kad receiver, again at once when DTLS
 * refused its early answer. So a receiver takes a newer initiate from the
 * same kad sender as replacing the connection still being set up, and a
 * set-up that failed waits a while for that initiate before it reports the
 * failure. Original browser senders never retry: they are not waited for.
 */

/** How a kad sender names itself in the room; a receiver tells kad senders from browsers by it. */
export const KAD_SENDER_PREFIX = "kad-sender-";
/** How a kad receiver names itself; a sender skips the pause an original browser needs. */
export const KAD_RECEIVER_PREFIX = "kad-receiver-";

/** How long the sender's attempt with every candidate may take before the relay-only one starts. */
export const MIXED_ATTEMPT_MS = 5_000;

/** How long a receiver whose set-up failed waits for the sender's next initiate. */
export const SETUP_RETRY_GRACE_MS = 3_000;

export function isKadSender(name: string): boolean {
  return name.startsWith(KAD_SENDER_PREFIX);
}
