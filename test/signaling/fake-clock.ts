/** A Clock that only moves when a test advances it. */
import type { Clock } from "../../signaling-server/src/clock.js";

interface Scheduled {
  at: number;
  callback: () => void;
}

export class FakeClock implements Clock {
  private time = 1_700_000_000_000;
  private nextHandle = 1;
  private readonly scheduled = new Map<number, Scheduled>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.scheduled.set(handle, { at: this.time + ms, callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.scheduled.delete(handle as number);
  }

  /** Moves time forward, running every callback that falls due, in order. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const due = [...this.scheduled.entries()]
        .filter(([, entry]) => entry.at <= target)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [handle, entry] = due;
      this.scheduled.delete(handle);
      this.time = Math.max(this.time, entry.at);
      entry.callback();
    }
    this.time = target;
  }
}
