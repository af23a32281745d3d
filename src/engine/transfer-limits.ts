/**
 * The transfer engine's numbers, one definition for the CLI and the page.
 * Measured on loopback (bench/run.mjs): 64 KiB messages with a ~4 MiB
 * high-water mark were fastest; 64 KiB also fits every peer's
 * max-message-size (Chromium and libdatachannel: 256 KiB).
 */

export const CHUNK_BYTES = 64 * 1024;
/** Send-buffer level above which a sender waits; Chromium closes a channel past 16 MiB. */
export const HIGH_WATER_BYTES = 4 * 1024 * 1024;
/** Send-buffer level at which a waiting sender resumes. */
export const LOW_WATER_BYTES = 1024 * 1024;
/** Bytes a kad sender may be ahead of what the receiver has stored. */
export const RECEIVE_WINDOW_BYTES = 16 * 1024 * 1024;
/** A kad receiver reports bytes stored at least this often (the sender's flow control). */
export const WRITTEN_REPORT_BYTES = 1024 * 1024;
/** A kad receiver says hello as its channel opens; an original one never does. */
export const HELLO_WAIT_MS = 2_000;
/** Verifying and storing the last bytes can take a while on a slow disk. */
export const ACK_PATIENCE_MS = 120_000;
/** How long an original receiver may take to close the channel after the last byte. */
export const CLOSE_PATIENCE_MS = 60_000;
/** How long a lost connection waits for the receiver's stated reason (it travels on another channel). */
export const REFUSAL_GRACE_MS = 500;
/** Files a session sender may have sent but not yet seen acknowledged. */
export const MAX_UNACKED_FILES = 64;
/**
 * Bytes a receiver queues for storage at most. A kad sender stays within its
 * window; one that ignores it (or storage that stalls) must not grow memory.
 */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;
