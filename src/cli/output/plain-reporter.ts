/** Pipes and CI: plain lines on stderr, progress every few seconds. */
import type { Writable } from "node:stream";
import type { SessionEvent } from "../../session/events.js";
import { formatBytes, RateMeter } from "./format.js";
import { type Reporter, Throttle } from "./reporter.js";

export const PLAIN_PROGRESS_INTERVAL_MS = 2_000;

export class PlainReporter implements Reporter {
  private readonly throttle = new Throttle(PLAIN_PROGRESS_INTERVAL_MS);
  private readonly rate = new RateMeter();

  constructor(private readonly out: Writable) {}

  event(event: SessionEvent): void {
    const line = this.lineFor(event);
    if (line !== undefined) this.out.write(`${line}\n`);
  }

  failed(): void {}

  close(): void {}

  private lineFor(event: SessionEvent): string | undefined {
    switch (event.event) {
      case "code":
        return `code: ${event.code}\non the other machine run: ${event.command}\nor open: ${event.url}`;
      case "status":
        return `${event.message}...`;
      case "peer":
        return `connected to ${event.name}`;
      case "file":
        return `${event.name} (${event.size === null ? "stream" : formatBytes(event.size)})`;
      case "progress": {
        const rate = this.rate.update(event.bytes);
        if (!this.throttle.allow(event.name)) return undefined;
        const share = event.total ? ` ${Math.floor((event.bytes * 100) / event.total)}%` : "";
        return `  ${event.name}:${share} ${formatBytes(event.bytes)} at ${formatBytes(rate)}/s`;
      }
      case "file-done":
        return `  ${event.name}: done, ${formatBytes(event.size)}, sha256 ${event.sha256}${event.path ? `, saved as ${event.path}` : ""}`;
      case "done":
        return `done: ${event.files} file${event.files === 1 ? "" : "s"}, ${formatBytes(event.bytes)}`;
      case "error":
        return undefined;
    }
  }
}
