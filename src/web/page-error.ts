/** Failures the page shows to a person; `kind` picks the wording and the way out. */
export type PageErrorKind =
  | "server-unreachable"
  | "room-not-found"
  | "room-exists"
  | "room-full"
  | "name-taken"
  | "rate-limited"
  | "bad-code"
  | "unverified-peer"
  | "credentials"
  | "peer-left"
  | "peer-unreachable"
  | "protocol"
  | "integrity"
  | "timeout"
  | "storage"
  | "cancelled";

export class PageError extends Error {
  constructor(
    readonly kind: PageErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "PageError";
  }
}

export function cancelled(): PageError {
  return new PageError("cancelled", "Cancelled.");
}

/** The message to show for any failure, PageError or not. */
export function describeError(error: unknown): string {
  if (error instanceof PageError) return error.message;
  if (error instanceof Error) return `Something went wrong: ${error.message}`;
  return "Something went wrong.";
}
