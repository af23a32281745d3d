/**
 * Sets up the connection for a kad sender's initiate, taking the sender's
 * second try (protocol/sender-retry.ts): a newer initiate from the same
 * sender replaces the connection still being set up, and a set-up that
 * failed waits a while for one before its failure shows. The person sees one
 * row that connects, not a failed row followed by a second one.
 */
import { MIXED_ATTEMPT_MS, SETUP_RETRY_GRACE_MS } from "../protocol/sender-retry.js";

/** Answers one initiate; `signal` aborts it (its connection closes) when a newer one came. */
export type AnswerOne<I, L> = (initiate: I, signal: AbortSignal) => Promise<L>;

/**
 * How long a failed set-up waits for the sender's next initiate. The page
 * cannot tell when the sender's mixed attempt started (its browser may have
 * failed the connection sooner), so it waits for all of that attempt too.
 */
export const RETRY_WAIT_MS = MIXED_ATTEMPT_MS + SETUP_RETRY_GRACE_MS;

type Settled<L> = { link: L } | { error: unknown };

export class IncomingSetup<I, L> {
  private newer: I | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly retryWaitMs = RETRY_WAIT_MS) {}

  /** A newer initiate from the same sender: the sender gave up the connection being set up. */
  supersede(initiate: I): void {
    this.newer = initiate;
    this.wake?.();
  }

  /** `cancelled` (the person's Cancel) aborts the set-up, and a set-up it ended waits for no newer initiate. */
  async connect(first: I, answerOne: AnswerOne<I, L>, cancelled?: AbortSignal): Promise<L> {
    let initiate = first;
    for (;;) {
      const attempt = new AbortController();
      const signal = cancelled ? AbortSignal.any([attempt.signal, cancelled]) : attempt.signal;
      const answered: Promise<Settled<L>> = answerOne(initiate, signal).then(
        (link) => ({ link }),
        (error: unknown) => ({ error }),
      );
      const arrival = this.waitForNewer();
      // Without a time limit the wait only ends with a newer initiate.
      const newer = arrival.promise as Promise<{ newer: I }>;
      const outcome = await Promise.race([answered, newer]);
      arrival.stop();
      if ("link" in outcome) return outcome.link;
      if ("newer" in outcome) {
        attempt.abort();
        initiate = outcome.newer;
        continue;
      }
      if (cancelled?.aborted) throw outcome.error;
      const late = await this.waitForNewer(this.retryWaitMs).promise;
      if (!("newer" in late)) throw outcome.error;
      initiate = late.newer;
    }
  }

  /** Resolves with the next newer initiate, or after `withinMs` (if given) without; `stop` abandons the wait. */
  private waitForNewer(withinMs?: number): {
    promise: Promise<{ newer: I } | { waited: true }>;
    stop(): void;
  } {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = () => {
      clearTimeout(timer);
      this.wake = undefined;
    };
    const promise = new Promise<{ newer: I } | { waited: true }>((resolve) => {
      const take = () => {
        stop();
        const newer = this.newer as I;
        this.newer = undefined;
        resolve({ newer });
      };
      if (this.newer !== undefined) return take();
      this.wake = take;
      if (withinMs !== undefined) {
        timer = setTimeout(() => {
          stop();
          resolve({ waited: true });
        }, withinMs);
      }
    });
    return { promise, stop };
  }
}
