/** Pipes and CI: plain lines on stderr, progress every few seconds. */
import type { Writable } from "node:stream";
import type { SessionEvent } from "../../session/events.js";
import { describeRoute, formatBytes, formatPercent, RateMeter } from "./format.js";
import { PASSWORD_NOTE, type Reporter, Throttle } from "./reporter.js";

export const PLAIN_PROGRESS_INTERVAL_MS = 2_000;

export class PlainReporter implements Reporter {
  private readonly throttle = new Throttle(PLAIN_PROGRESS_INTERVAL_MS);
  /** One meter per file, started at its `file` event: another file's samples would skew it. */
  private readonly rates = new Map<string, RateMeter>();

  constructor(
    private readonly out: Writable,
    private readonly now: () => number = Date.now,
  ) {}

  event(event: SessionEvent): void {
    const line = this.lineFor(event);
    if (line !== undefined) this.out.write(`${line}\n`);
  }

  failed(): void {}

  close(): void {}

  private lineFor(event: SessionEvent): string | undefined {
    switch (event.event) {
      case "code":
        return `code: ${event.code}\non the other machine run: ${event.command}${event.password ? `\n${PASSWORD_NOTE}` : ""}\nor open: ${event.url}`;
      case "status":
        return `${event.message}...`;
      case "peer":
        return `connected to ${event.name}`;
      case "path":
        return describeRoute(event);
      case "file":
        this.startMeter(event.name);
        return `${event.name} (${event.size === null ? "stream" : formatBytes(event.size)}${resumed(event.offset)})`;
      case "progress": {
        const now = this.now();
        const meter = this.rates.get(event.name) ?? this.startMeter(event.name, now);
        const rate = meter.update(event.bytes, now);
        if (!this.throttle.allow(event.name, now)) return undefined;
        const share = event.total ? ` ${formatPercent(event.bytes, event.total)}` : "";
        const speed = rate > 0 ? ` at ${formatBytes(rate)}/s` : "";
        return `  ${event.name}:${share} ${formatBytes(event.bytes)}${speed}`;
      }
      case "file-done": {
        this.rates.delete(event.name);
        const where =
          event.path === "-" ? ", written to stdout" : event.path ? `, saved as ${event.path}` : "";
        return `  ${event.name}: done, ${formatBytes(event.size)}, sha256 ${event.sha256}${where}`;
      }
      case "done":
        return `done: ${event.files} file${event.files === 1 ? "" : "s"}, ${formatBytes(event.bytes)}`;
      case "warning":
        return `warning: ${event.message}`;
      case "verify":
        return `verify: ${event.words}`;
      case "skipped":
        return `skipped ${event.path} (${event.reason})`;
      case "error":
        return undefined;
    }
  }

  private startMeter(name: string, now = this.now()): RateMeter {
    const meter = new RateMeter();
    meter.update(0, now);
    this.rates.set(name, meter);
    return meter;
  }
}

function resumed(offset: number | undefined): string {
  return offset ? `, resuming after the ${formatBytes(offset)} already here` : "";
}
