/**
 * One session's lifetime: the first failure wins and ends every wait raced
 * against it; cleanups run in reverse order exactly once, whatever happened.
 */
import { KadError } from "../util/errors.js";

const STALL_CHECK_MS = 1_000;

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
  within<T>(
    promise: Promise<T>,
    ms: number,
    what: string,
    code: "TIMEOUT" | "PEER_UNREACHABLE" = "TIMEOUT",
  ): Promise<T> {
    return this.timed(promise, ms, () => {
      throw new KadError(code, `timed out ${what}`, {
        hint: "Raise --timeout, or check that the other side is running.",
      });
    });
  }

  /**
   * Like `race`, but after `ms` settles with what `expire` returns or throws
   * (no limit when ms is not finite).
   */
  async timed<T>(promise: Promise<T>, ms: number, expire: () => T): Promise<T> {
    if (!Number.isFinite(ms)) return this.race(promise);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expiry = new Promise<T>((resolve, reject) => {
      timer = setTimeout(() => {
        try {
          resolve(expire());
        } catch (error) {
          reject(error);
        }
      }, ms);
    });
    try {
      return await this.race(Promise.race([promise, expiry]));
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Fails the session with TIMEOUT when `touch` is not called for `ms`, e.g.
   * a transfer whose bytes stopped moving while the connection looks alive.
   */
  stallGuard(ms: number, what: string): { touch(): void; stop(): void } {
    if (!Number.isFinite(ms)) return { touch() {}, stop() {} };
    let last = Date.now();
    const timer = setInterval(
      () => {
        if (Date.now() - last <= ms) return;
        clearInterval(timer);
        this.fail(
          new KadError("TIMEOUT", `${what} stalled for ${Math.round(ms / 1000)} s`, {
            hint: "The connection stopped moving data; raise --timeout or try again.",
          }),
        );
      },
      Math.min(ms, STALL_CHECK_MS),
    );
    timer.unref?.();
    this.defer(() => clearInterval(timer));
    return { touch: () => (last = Date.now()), stop: () => clearInterval(timer) };
  }

  /** Registers a cleanup; once the scope is closing, runs it at once instead. */
  defer(cleanup: () => unknown): void {
    if (this.closing) {
      void Promise.resolve()
        .then(cleanup)
        .catch(() => {});
      return;
    }
    this.cleanups.push(cleanup);
  }

  /** True once the session ended (its cleanups started): start nothing new. */
  get isClosing(): boolean {
    return this.closing !== undefined;
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

/** Runs `body` in a fresh scope: the first failure wins, and cleanups always run. */
export async function withScope<T>(
  signal: AbortSignal,
  body: (scope: SessionScope) => Promise<T>,
): Promise<T> {
  const scope = new SessionScope(signal);
  try {
    return await body(scope);
  } catch (error) {
    throw scope.error ?? error;
  } finally {
    await scope.close();
  }
}
