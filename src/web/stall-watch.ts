/**
 * Calls `onStall` once when `touch` has not been called for `ms`: a transfer
 * whose peer stopped sending while the connection looks alive, as the CLI's
 * stall guard does (src/session/scope.ts).
 */
const STALL_CHECK_MS = 1_000;

export interface StallWatch {
  touch(): void;
  stop(): void;
}

export function watchForStall(ms: number, onStall: () => void): StallWatch {
  let last = Date.now();
  const timer = setInterval(
    () => {
      if (Date.now() - last <= ms) return;
      clearInterval(timer);
      onStall();
    },
    Math.min(ms, STALL_CHECK_MS),
  );
  return { touch: () => (last = Date.now()), stop: () => clearInterval(timer) };
}
