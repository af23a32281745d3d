/**
 * Lazy access to node-datachannel, so `kad --help` never loads the native module,
 * and one place that knows how to shut it down so the process can exit.
 */
import type * as NodeDataChannel from "node-datachannel";

type NativeModule = typeof NodeDataChannel;

let native: NativeModule | undefined;

export async function loadNative(): Promise<NativeModule> {
  if (!native) {
    const module = await import("node-datachannel");
    native = (module.default ?? module) as NativeModule;
  }
  return native;
}

/** Closes every native peer and thread; call once, after closing your peers. */
export function shutdownNative(): void {
  try {
    native?.cleanup();
  } catch {
    // Nothing useful to do: the process is ending anyway.
  }
}

/**
 * Wraps a callback that node-datachannel calls from native code. A JavaScript
 * exception escaping such a callback aborts the whole process (SIGABRT), even
 * with an uncaughtException handler, so every body runs inside this.
 */
export function guarded<Args extends unknown[]>(
  body: (...args: Args) => void,
  onError: (error: unknown) => void,
): (...args: Args) => void {
  return (...args: Args) => {
    try {
      body(...args);
    } catch (error) {
      try {
        onError(error);
      } catch {
        // The error handler itself failed; swallowing beats a native abort.
      }
    }
  };
}
