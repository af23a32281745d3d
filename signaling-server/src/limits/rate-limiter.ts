/** Bounded in-memory counters for the per-IP and per-room limits. */
import type { Clock } from "../clock.js";

/** Keys tracked at once; the oldest window is evicted past this, so memory stays bounded. */
const MAX_TRACKED_KEYS = 100_000;

interface Window {
  startedAt: number;
  count: number;
}

/**
 * Counts events per key in fixed windows. `isOver` asks without counting,
 * `hit` counts, `tryTake` counts only when still under the limit.
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
