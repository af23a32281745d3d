/**
 * --json: one event object a line on stdout; progress at most 4 times a second
 * per file. Lines of one turn of the event loop go out in one write: stdout to
 * a pipe is a blocking write per call, and a tree of 1,000 small files makes
 * 2,000 events within a second or so.
 */
import type { Writable } from "node:stream";
import type { SessionEvent } from "../../session/events.js";
import { jsonLine } from "../../util/terminal-safe.js";
import { errorEvent, type Reporter, Throttle } from "./reporter.js";

export const JSON_PROGRESS_INTERVAL_MS = 250;

export class JsonReporter implements Reporter {
  private readonly throttle = new Throttle(JSON_PROGRESS_INTERVAL_MS);
  private pending: string[] = [];
  private flushing: ReturnType<typeof setImmediate> | undefined;

  constructor(
    private readonly out: Writable,
    private readonly now: () => number = Date.now,
  ) {}

  event(event: SessionEvent): void {
    if (event.event === "status") return;
    if (event.event === "progress" && !this.throttle.allow(event.name, this.now())) return;
    this.pending.push(`${jsonLine(event)}\n`);
    this.flushing ??= setImmediate(() => this.flush());
  }

  failed(error: unknown): void {
    this.pending.push(`${jsonLine(errorEvent(error))}\n`);
    this.flush();
  }

  close(): void {
    this.flush();
  }

  private flush(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    if (this.pending.length === 0) return;
    this.out.write(this.pending.join(""));
    this.pending = [];
  }
}
