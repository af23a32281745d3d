/** A spawned kad CLI process seen through its `--json` events and exit code. */
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export type KadEvent = Record<string, unknown> & { event: string };

export interface KadProcess {
  child: ChildProcess;
  events: KadEvent[];
  /** Resolves with the first event matching `predicate` (past or future). */
  waitForEvent(predicate: (event: KadEvent) => boolean, timeoutMs?: number): Promise<KadEvent>;
  /** Resolves with the exit code (signals count as failures). */
  exited: Promise<number>;
  stderr(): string;
}

export function watchKad(child: ChildProcess): KadProcess {
  const events: KadEvent[] = [];
  const waiters: Array<{
    predicate: (event: KadEvent) => boolean;
    resolve(event: KadEvent): void;
  }> = [];
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  if (child.stdout) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const event = parseEvent(line);
      if (!event) return;
      events.push(event);
      for (const waiter of waiters.filter((w) => w.predicate(event))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    });
  }
  const exited = new Promise<number>((resolve) => {
    child.once("exit", (code) => resolve(code ?? 128));
  });
  return {
    child,
    events,
    exited,
    stderr: () => stderr,
    waitForEvent: (predicate, timeoutMs = 30_000) => {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no such kad event in time; stderr:\n${stderr}`)),
          timeoutMs,
        );
        waiters.push({
          predicate,
          resolve: (event) => {
            clearTimeout(timer);
            resolve(event);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`kad exited (${code}) before the event; stderr:\n${stderr}`));
        });
      });
    },
  };
}

function parseEvent(line: string): KadEvent | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (
      typeof value === "object" &&
      value !== null &&
      typeof (value as KadEvent).event === "string"
    ) {
      return value as KadEvent;
    }
  } catch {
    // Not an event line.
  }
  return undefined;
}
