/** Wire limits shared by the server, the CLI and the web page. */

/** Largest signaling frame accepted; real offers with candidates fit well under it. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Largest SDP accepted inside an initiate or answer. */
export const MAX_SDP_BYTES = 32 * 1024;
/** Most candidates accepted in one non-trickle candidate array. */
export const MAX_CANDIDATES = 64;
/** Longest single candidate line. */
export const MAX_CANDIDATE_BYTES = 1024;
/** Longest mop-rpc id, peer id or user name. */
export const MAX_ID_LENGTH = 128;
export const MAX_USERNAME_LENGTH = 128;
export const MAX_PASSWORD_LENGTH = 1024;
/** Most extra peer connections (lanes) a kad receiver accepts for one session. */
export const MAX_LANES = 3;
/** Default time a pending mop-rpc reply waits. */
export const RPC_TIMEOUT_MS = 5_000;
/** Time each step of the initiate chain waits. */
export const INITIATE_STEP_TIMEOUT_MS = 20_000;
/** Rooms expire this long after creation unless a connected member refreshes them. */
export const ROOM_TTL_MS = 1_800_000;

export const ROOM_NAME_PATTERN = /^[a-zA-Z0-9-]{5,64}$/;
