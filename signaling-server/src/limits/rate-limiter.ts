/** Bounded in-memory counters for the per-IP and per-room limits. */
import type { Clock } from "../clock.js";

/** Keys tracked at once; the oldest window is evicted past this, so memory stays bounded. */
const MAX_TRACKED_KEYS = 100_000;

interface Window {
  startedAt: number;
  count: number;
  /** What `hitOnce` counted in this window; at most `limit` entries. */
  seen?: Set<string>;
}

/**
 * Counts events per key in fixed windows. `isOver` asks without counting,
 * `hit` counts, `hitOnce` counts each distinct `what` once, `tryTake` counts
 * only when still under the limit.
 */
export class WindowCounter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly clock: Clock,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  isOver(key: string): boolean {
    return (this.current(key)?.count ?? 0) >= this.limit;
  }

  hit(key: string): void {
    const window = this.current(key);
    if (window) {
      window.count += 1;
      return;
    }
    if (this.windows.size >= MAX_TRACKED_KEYS) this.evictOldest();
    this.windows.set(key, { startedAt: this.clock.now(), count: 1 });
  }

  /**
   * Counts `what` (e.g. a room name not found) once per window: asking for
   * the same missing name again, as a receiver waiting for its sender does,
   * reveals nothing new, while each new name still counts.
   */
  hitOnce(key: string, what: string): void {
    const seen = this.current(key)?.seen;
    if (seen?.has(what)) return;
    this.hit(key);
    const window = this.current(key) as Window;
    window.seen ??= new Set();
    if (window.seen.size < this.limit) window.seen.add(what);
  }

  tryTake(key: string): boolean {
    if (this.isOver(key)) return false;
    this.hit(key);
    return true;
  }

  /** Milliseconds until the key's window resets. */
  retryAfterMs(key: string): number {
    const window = this.current(key);
    return window ? Math.max(0, window.startedAt + this.windowMs - this.clock.now()) : 0;
  }

  private current(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && this.clock.now() - window.startedAt >= this.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private evictOldest(): void {
    const oldest = this.windows.keys().next();
    if (!oldest.done) this.windows.delete(oldest.value);
  }
}

/** A token bucket for the frame rate of one connection. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly clock: Clock,
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.updatedAt = clock.now();
  }

  take(): boolean {
    const now = this.clock.now();
    this.tokens = Math.min(
      this.burst,
      this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond,
    );
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
