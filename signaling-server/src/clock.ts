/**
 * Time as the server sees it. Everything that waits or expires goes through a
 * Clock so tests can drive timeouts by advancing a fake one instead of sleeping.
 */
import type { Timers } from "../../src/protocol/mop-rpc.js";

export interface Clock extends Timers {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = globalThis.setTimeout(callback, ms);
    // Server housekeeping timers must never keep a closing process alive.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Runs `task` every `intervalMs` until the returned function is called. */
export function every(clock: Clock, intervalMs: number, task: () => void): () => void {
  let handle: unknown;
  let stopped = false;
  const schedule = () => {
    handle = clock.setTimeout(() => {
      if (stopped) return;
      task();
      schedule();
    }, intervalMs);
  };
  schedule();
  return () => {
    stopped = true;
    clock.clearTimeout(handle);
  };
}
