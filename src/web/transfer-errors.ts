/**
 * The engine (src/engine) fails with KadError, worded for the CLI. The page
 * shows transfer failures as PageErrors: the code picks the kind, the
 * engine's sentence is kept, a refusal says which side refused.
 */
import type { ErrorCode } from "../util/errors.js";
import { isKadError } from "../util/errors.js";
import { cancelled, PageError, type PageErrorKind } from "./page-error.js";

export type TransferRole = "send" | "receive";

const KIND_BY_CODE: Partial<Record<ErrorCode, PageErrorKind>> = {
  INTEGRITY: "integrity",
  BAD_CODE: "bad-code",
  TIMEOUT: "timeout",
  DISK: "storage",
  UNREADABLE: "storage",
  PEER_LEFT: "peer-left",
  PEER_UNREACHABLE: "peer-unreachable",
};

/** What the engine's errorFromPeer (src/engine/peer-errors.ts) puts before the peer's reason. */
const PEER_REFUSED = /^the peer refused/;

export function transferPageError(error: unknown, role: TransferRole): unknown {
  if (!isKadError(error)) return error;
  if (error.code === "INTERRUPTED") return cancelled();
  if (error.cause instanceof PageError) return error.cause;
  const refuser = role === "send" ? "the receiver refused the file" : "the sender stopped";
  const text = error.message.replace(PEER_REFUSED, refuser);
  const sentence = `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  return new PageError(KIND_BY_CODE[error.code] ?? "protocol", sentence);
}
