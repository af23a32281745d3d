/**
 * One error type for everything a user can meet. The message is what the user
 * reads; the hint says what to do; only the CLI entry turns `exitCode` into a
 * process exit.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  unreachable: 3,
  integrity: 4,
  timeout: 5,
  /** The peers' codes did not match (a typo, or someone in between). */
  badCode: 6,
  interrupted: 130,
  /** 128 + SIGTERM, the shell's convention. */
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type ErrorCode =
  | "USAGE"
  | "NOT_FOUND"
  | "UNREADABLE"
  | "EXISTS"
  | "SERVER_UNREACHABLE"
  | "ROOM_NOT_FOUND"
  | "ROOM_EXISTS"
  | "ROOM_FULL"
  | "USERNAME_CONFLICT"
  | "RATE_LIMITED"
  | "CREDENTIALS"
  | "PEER_UNREACHABLE"
  | "PEER_LEFT"
  | "PROTOCOL"
  | "INTEGRITY"
  | "BAD_CODE"
  | "UNVERIFIED_PEER"
  | "DISK"
  | "TIMEOUT"
  | "INTERRUPTED"
  | "TERMINATED"
  | "INTERNAL";

const EXIT_BY_CODE: Record<ErrorCode, ExitCode> = {
  USAGE: EXIT.usage,
  NOT_FOUND: EXIT.failure,
  UNREADABLE: EXIT.failure,
  EXISTS: EXIT.failure,
  SERVER_UNREACHABLE: EXIT.unreachable,
  ROOM_NOT_FOUND: EXIT.unreachable,
  ROOM_EXISTS: EXIT.failure,
  // Like a second receiver told that another one took the transfer.
  ROOM_FULL: EXIT.unreachable,
  USERNAME_CONFLICT: EXIT.failure,
  // Retrying later can succeed, as with an unreachable server.
  RATE_LIMITED: EXIT.unreachable,
  CREDENTIALS: EXIT.failure,
  PEER_UNREACHABLE: EXIT.unreachable,
  PEER_LEFT: EXIT.unreachable,
  PROTOCOL: EXIT.failure,
  INTEGRITY: EXIT.integrity,
  BAD_CODE: EXIT.badCode,
  UNVERIFIED_PEER: EXIT.failure,
  DISK: EXIT.failure,
  TIMEOUT: EXIT.timeout,
  INTERRUPTED: EXIT.interrupted,
  TERMINATED: EXIT.terminated,
  INTERNAL: EXIT.failure,
};

export class KadError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "KadError";
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): ExitCode {
    return EXIT_BY_CODE[this.code];
  }
}

export function isKadError(error: unknown): error is KadError {
  return error instanceof KadError;
}
