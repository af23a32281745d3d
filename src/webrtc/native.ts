/**
 * Lazy access to node-datachannel, so `kad --help` never loads the native module,
 * and one place that knows how to shut it down so the process can exit.
 */
import type * as NodeDataChannel from "node-datachannel";
import { requireExternal } from "../util/external-module.js";

type NativeModule = typeof NodeDataChannel;

let native: NativeModule | undefined;

const LOG_LEVELS = ["Verbose", "Debug", "Info", "Warning", "Error", "Fatal"] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

export async function loadNative(): Promise<NativeModule> {
  if (!native) {
    native = requireExternal("node-datachannel") as NativeModule;
    logTo(native, process.env.KAD_WEBRTC_LOG);
  }
  return native;
}

/**
 * KAD_WEBRTC_LOG=Debug (or Verbose, Info, Warning, Error): libdatachannel's own
 * log on stderr, each line with the ms since the process started, for
 * diagnosing a connection that does not form or forms slowly.
 */
function logTo(module: NativeModule, level: string | undefined): void {
  const chosen = LOG_LEVELS.find((name) => name.toLowerCase() === level?.toLowerCase());
  if (!chosen) return;
  const write = (severity: LogLevel, message: string) =>
    process.stderr.write(`${performance.now().toFixed(0)} ms webrtc ${severity}: ${message}\n`);
  module.initLogger(
    chosen,
    guarded(write, () => {}),
  );
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
