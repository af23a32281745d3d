// Stopping a command that runs beneath a wrapper (GNU time, `ip netns exec`
// which becomes its command): the wrapper's own pid is what spawn returns.
import { readFileSync } from "node:fs";

/** Direct children of pid, from /proc (empty once pid is gone). */
function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .split(" ")
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Sends signal to every direct child of pid; pid itself is left alone. */
export function signalChildren(pid, signal) {
  for (const child of childrenOf(pid)) {
    try {
      process.kill(child, signal);
    } catch {}
  }
}
