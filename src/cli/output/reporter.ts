/**
 * Decides once how a command talks: --json events on stdout, a TTY UI on
 * stderr, plain lines on stderr for pipes and CI, or nothing with --quiet.
 * Errors themselves are printed by the CLI entry; reporters only add the
 * --json error event and tidy their own output first.
 */
import type { SessionEvent } from "../../session/events.js";
import { isKadError } from "../../util/errors.js";
import { terminalSafe } from "../../util/terminal-safe.js";
import { JsonReporter } from "./json-reporter.js";
import { PlainReporter } from "./plain-reporter.js";

export interface Reporter {
  event(event: SessionEvent): void;
  /** Called once with the failure, before the CLI entry prints it. */
  failed(error: unknown): void;
  close(): void;
}

export interface ReporterOptions {
  json: boolean;
  quiet: boolean;
  role: "send" | "receive";
}

export async function createReporter(options: ReporterOptions): Promise<Reporter> {
  if (options.json) return new JsonReporter(process.stdout);
  if (options.quiet) return { event() {}, failed() {}, close() {} };
  // A terminal that reports no width (e.g. `script` without a real terminal)
  // sends ora's redraw into an endless loop of cursor moves: plain lines then.
  if (process.stderr.isTTY && process.env.TERM !== "dumb" && process.stderr.columns > 0) {
    const { TtyReporter } = await import("./tty-reporter.js");
    return printable(new TtyReporter(process.stderr, options.role));
  }
  return printable(new PlainReporter(process.stderr));
}

/**
 * Names, paths and messages come from the peer or the server: every string of
 * every event is escaped before a human-facing reporter sees it, so that no
 * field can reach the terminal raw. (--json escapes in its own encoding.)
 */
export function printable(reporter: Reporter): Reporter {
  return {
    event: (event) => reporter.event(safeEvent(event)),
    failed: (error) => reporter.failed(error),
    close: () => reporter.close(),
  };
}

function safeEvent(event: SessionEvent): SessionEvent {
  const entries = Object.entries(event).map(([key, value]) => [
    key,
    typeof value === "string" ? terminalSafe(value) : value,
  ]);
  return Object.fromEntries(entries) as SessionEvent;
}

/** Under the receive command when the room has a password: the command alone would be refused. */
export const PASSWORD_NOTE =
  "(the receiver needs the password too: --password, or KAD_PASSWORD in its environment)";

export function errorEvent(error: unknown): SessionEvent {
  if (isKadError(error)) return { event: "error", code: error.code, message: error.message };
  return {
    event: "error",
    code: "INTERNAL",
    message: error instanceof Error ? error.message : String(error),
  };
}

/** Lets through at most one update per `intervalMs` per key; the first always passes. */
export class Throttle {
  private last = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  allow(key: string, now = Date.now()): boolean {
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < this.intervalMs) return false;
    this.last.set(key, now);
    return true;
  }
}
