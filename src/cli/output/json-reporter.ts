/** --json: one event object a line on stdout; progress at most 4 times a second per file. */
import type { Writable } from "node:stream";
import type { SessionEvent } from "../../session/events.js";
import { jsonLine } from "../../util/terminal-safe.js";
import { errorEvent, type Reporter, Throttle } from "./reporter.js";

export const JSON_PROGRESS_INTERVAL_MS = 250;

export class JsonReporter implements Reporter {
  private readonly throttle = new Throttle(JSON_PROGRESS_INTERVAL_MS);

  constructor(
    private readonly out: Writable,
    private readonly now: () => number = Date.now,
  ) {}

  event(event: SessionEvent): void {
    if (event.event === "status") return;
    if (event.event === "progress" && !this.throttle.allow(event.name, this.now())) return;
    this.out.write(`${jsonLine(event)}\n`);
  }

  failed(error: unknown): void {
    this.out.write(`${jsonLine(errorEvent(error))}\n`);
  }

  close(): void {}
}
