/**
 * A person at a terminal: spinner while waiting, the code with the exact
 * receive command, the browser link and its QR code, then a progress bar per
 * file (and a total for several), all on stderr.
 */

import { dirname } from "node:path";
import type { Writable } from "node:stream";
import { MultiBar, type SingleBar } from "cli-progress";
import ora, { type Ora } from "ora";
import qrcode from "qrcode-terminal";
import type { SessionEvent } from "../../session/events.js";
import { describeRoute, formatBytes, formatDuration, formatPercent, RateMeter } from "./format.js";
import { PASSWORD_NOTE, type Reporter } from "./reporter.js";

interface FileBar {
  bar: SingleBar;
  rate: RateMeter;
  total: number | null;
}

export class TtyReporter implements Reporter {
  private spinner: Ora | undefined;
  private multi: MultiBar | undefined;
  private readonly bars = new Map<string, FileBar>();
  private totalBar: SingleBar | undefined;
  private filesDone = 0;
  /** Where the receiver put each file ("-" for stdout), to say so at the end. */
  private readonly savedPaths: string[] = [];

  constructor(
    private readonly out: Writable,
    private readonly role: "send" | "receive",
  ) {}

  event(event: SessionEvent): void {
    if (event.event === "code") this.showCode(event);
    else if (event.event === "status") this.spin(event.message);
    else if (event.event === "peer") this.stopSpinner(`connected to ${event.name}`);
    else if (event.event === "path") this.showPath(describeRoute(event));
    else if (event.event === "file") this.addBar(event.name, event.size, event.count);
    else if (event.event === "progress") this.progress(event.name, event.bytes);
    else if (event.event === "file-done") this.fileDone(event.name, event.size, event.path);
    else if (event.event === "done") this.finish(event.files, event.bytes);
    else if (event.event === "warning") this.note(`warning: ${event.message}\n`);
    else if (event.event === "verify") this.note(`verify: ${event.words}\n`);
    else if (event.event === "skipped") this.out.write(`skipped ${event.path} (${event.reason})\n`);
  }

  private finish(files: number, bytes: number): void {
    this.close();
    const verb = this.role === "send" ? "sent" : "received";
    const where = this.role === "receive" ? whereSaved(this.savedPaths) : "";
    this.out.write(
      `${verb} ${files} file${files === 1 ? "" : "s"}, ${formatBytes(bytes)}${where}\n`,
    );
  }

  failed(): void {
    this.close();
  }

  close(): void {
    this.spinner?.stop();
    this.spinner = undefined;
    this.multi?.stop();
    this.multi = undefined;
  }

  /** A line above the bars while they run, else straight out. */
  private note(line: string): void {
    if (!this.multi) {
      this.out.write(line);
      return;
    }
    this.multi.log(line);
    this.multi.update();
  }

  private spin(message: string): void {
    if (this.multi) return;
    this.spinner ??= ora({ stream: this.out, discardStdin: false }).start();
    this.spinner.text = message;
  }

  /** Said once per connection, before any bar; a running spinner would overwrite it. */
  private showPath(line: string): void {
    this.spinner?.stop();
    this.spinner = undefined;
    this.note(`${line}\n`);
  }

  private stopSpinner(message: string): void {
    this.spinner?.succeed(message);
    this.spinner = undefined;
  }

  private showCode(event: Extract<SessionEvent, { event: "code" }>): void {
    this.spinner?.stop();
    this.spinner = undefined;
    this.out.write(
      `\nCode: ${event.code}\n\nOn the other machine run:\n\n    ${event.command}\n\n${event.password ? `${PASSWORD_NOTE}\n` : ""}or open ${event.url}\n\n`,
    );
    qrcode.generate(event.url, { small: true }, (qr: string) => this.out.write(`${qr}\n`));
  }

  private ensureMulti(): MultiBar {
    this.stopSpinner("connected");
    this.multi ??= new MultiBar(
      {
        stream: this.out,
        format: " {name} |{bar}| {percent} {done}/{size} {speed} {timeLeft}",
        hideCursor: true,
        barsize: 24,
        fps: 8,
        autopadding: true,
      },
      { barCompleteChar: "█", barIncompleteChar: "░", format: "" },
    );
    return this.multi;
  }

  private addBar(name: string, size: number | null, count: number | null): void {
    const multi = this.ensureMulti();
    if (count !== null && count > 1 && !this.totalBar && this.role === "send") {
      this.totalBar = multi.create(count, 0, this.filesPayload(0, count));
    }
    const total = size ?? 0;
    const bar = multi.create(Math.max(total, 1), 0, this.payload(name, 0, size, 0));
    this.bars.set(name, { bar, rate: new RateMeter(), total: size });
  }

  private progress(name: string, bytes: number): void {
    const entry = this.bars.get(name);
    if (!entry) return;
    const speed = entry.rate.update(bytes);
    entry.bar.update(
      entry.total === null ? 0 : bytes,
      this.payload(name, bytes, entry.total, speed),
    );
  }

  private fileDone(name: string, size: number, path: string | undefined): void {
    if (path !== undefined) this.savedPaths.push(path);
    const entry = this.bars.get(name);
    entry?.bar.update(Math.max(size, 1), this.payload(name, size, size, 0));
    entry?.bar.stop();
    // A finished file leaves the stack as one line, so a directory of hundreds
    // of files shows only the bars still moving.
    if (entry && this.multi) {
      this.multi.remove(entry.bar);
      this.note(` ✓ ${name} ${formatBytes(size)}\n`);
      this.bars.delete(name);
    }
    this.filesDone += 1;
    const total = this.totalBar?.getTotal() ?? 0;
    this.totalBar?.update(this.filesDone, this.filesPayload(this.filesDone, total));
  }

  private filesPayload(done: number, count: number) {
    return {
      name: "all files",
      percent: formatPercent(done, count),
      done: String(done),
      size: `${count} files`,
      speed: "",
      timeLeft: "",
    };
  }

  private payload(name: string, bytes: number, total: number | null, speed: number) {
    const remaining = total && speed > 0 ? Math.round((total - bytes) / speed) : undefined;
    return {
      name: name.length > 30 ? `…${name.slice(-29)}` : name,
      percent: formatPercent(bytes, total),
      done: formatBytes(bytes),
      size: total === null ? "?" : formatBytes(total),
      speed: speed > 0 ? `${formatBytes(speed)}/s` : "",
      timeLeft: remaining !== undefined ? `ETA ${formatDuration(remaining)}` : "",
    };
  }
}

/** ", saved as PATH" for one file, ", saved in DIR" for several (their common directory). */
export function whereSaved(paths: string[]): string {
  if (paths.length === 0) return "";
  if (paths.every((path) => path === "-")) return ", written to stdout";
  if (paths.length === 1) return `, saved as ${paths[0]}`;
  let common = dirname(paths[0] ?? "");
  while (!paths.every((path) => path.startsWith(`${common}/`)) && common !== dirname(common)) {
    common = dirname(common);
  }
  return `, saved in ${common}`;
}
