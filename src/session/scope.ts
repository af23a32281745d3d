/**
 * One session's lifetime: the first failure wins and ends every wait raced
 * against it; cleanups run in reverse order exactly once, whatever happened.
 */
import { KadError } from "../util/errors.js";

export class SessionScope {
  private readonly failure: Promise<never>;
  private rejectFailure!: (error: Error) => void;
  private failed: Error | undefined;
  private readonly cleanups: Array<() => unknown> = [];
  private closing: Promise<void> | undefined;

  constructor(signal?: AbortSignal) {
    this.failure = new Promise<never>((_, reject) => {
      this.rejectFailure = reject;
    });
    this.failure.catch(() => {});
    const interrupted = () =>
      this.fail(
        new KadError("INTERRUPTED", "interrupted", { hint: "Nothing was left half-written." }),
      );
    if (signal?.aborted) interrupted();
    signal?.addEventListener("abort", interrupted, { once: true });
    this.defer(() => signal?.removeEventListener("abort", interrupted));
  }

  get error(): Error | undefined {
    return this.failed;
  }

  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = error instanceof Error ? error : new KadError("INTERNAL", String(error));
    this.rejectFailure(this.failed);
  }

  /** Resolves like `promise`, unless the session fails first. */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.failure]);
  }

  /** Like `race`, but also fails with TIMEOUT after `ms` (none when ms is not finite). */
  async within<T>(
    promise: Promise<T>,
    ms: number,
    what: string,
    code: "TIMEOUT" | "PEER_UNREACHABLE" = "TIMEOUT",
  ): Promise<T> {
    if (!Number.isFinite(ms)) return this.race(promise);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new KadError(code, `timed out ${what}`, {
              hint: "Raise --timeout, or check that the other side is running.",
            }),
          ),
        ms,
      );
    });
    try {
      return await this.race(Promise.race([promise, timeout]));
    } finally {
      clearTimeout(timer);
    }
  }

  defer(cleanup: () => unknown): void {
    this.cleanups.push(cleanup);
  }

  /** Runs every cleanup, newest first; errors in one do not stop the others. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const cleanup of this.cleanups.splice(0).reverse()) {
        try {
          await cleanup();
        } catch {
          // Best effort: a failing cleanup must not hide the session's own result.
        }
      }
    })();
    return this.closing;
  }
}
