/** One file's line in the transfers list: name, peer, progress bar, rate, ETA, outcome. */
import { h, replaceChildren } from "./dom.js";
import { formatBytes, formatDuration, formatRate } from "./format.js";
import { ProgressMeter } from "./progress-meter.js";

const REDRAW_INTERVAL_MS = 250;

export type Direction = "send" | "receive";
export type RowState = "waiting" | "active" | "done" | "failed" | "cancelled";

export class TransferRow {
  readonly element: HTMLLIElement;
  private readonly nameLine: HTMLElement;
  private readonly bar: HTMLProgressElement;
  private readonly detail: HTMLElement;
  private readonly status: HTMLElement;
  private readonly actions: HTMLElement;
  private noteLine: HTMLElement | undefined;
  private meter: ProgressMeter | undefined;
  private total = 0;
  private lastDraw = 0;

  constructor(
    private readonly direction: Direction,
    peerName: string,
    fileName: string,
  ) {
    this.nameLine = h("span", { class: "transfer-name" }, fileName);
    this.bar = h("progress", { max: 1, value: 0, "aria-label": `Progress of ${fileName}` });
    this.detail = h("span", { class: "transfer-detail" });
    this.status = h("span", { class: "transfer-status", role: "status" });
    this.actions = h("span", { class: "transfer-actions" });
    const arrow = direction === "send" ? "↑" : "↓";
    const who = direction === "send" ? `to ${peerName}` : `from ${peerName}`;
    this.element = h(
      "li",
      { class: "transfer", "data-direction": direction },
      h(
        "div",
        { class: "transfer-head" },
        h(
          "span",
          { class: "transfer-title" },
          h("span", { class: "arrow", "aria-hidden": "true" }, arrow),
          this.nameLine,
        ),
        h("span", { class: "transfer-peer" }, who),
      ),
      this.bar,
      h("div", { class: "transfer-foot" }, this.detail, this.status, this.actions),
    );
    this.setState("waiting");
  }

  get state(): RowState {
    return this.element.dataset.state as RowState;
  }

  /** Neither done nor failed nor cancelled yet. */
  get open(): boolean {
    return this.state === "waiting" || this.state === "active";
  }

  setState(state: RowState): void {
    this.element.dataset.state = state;
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }

  /**
   * `total` is -1 for a stream whose length is unknown until it ends;
   * `resumedAt` is what an earlier, interrupted transfer already stored.
   */
  start(fileName: string, total: number, resumedAt = 0): void {
    this.nameLine.textContent = fileName;
    this.bar.setAttribute("aria-label", `Progress of ${fileName}`);
    this.actions.querySelector(".cancel")?.setAttribute("aria-label", this.cancelLabel());
    this.total = total;
    if (total >= 0) this.bar.max = Math.max(total, 1);
    else this.bar.removeAttribute("value");
    this.meter = new ProgressMeter(Math.max(total, 0));
    this.setState("active");
    const verb = this.direction === "send" ? "Sending…" : "Receiving…";
    this.setStatus(resumedAt > 0 ? `${verb} (${resumedText(resumedAt)})` : verb);
    this.progress(resumedAt, true);
  }

  progress(bytes: number, force = false): void {
    if (!this.meter) return;
    const reading = this.meter.update(bytes);
    const now = performance.now();
    if (!force && now - this.lastDraw < REDRAW_INTERVAL_MS) return;
    this.lastDraw = now;
    const known = this.total >= 0;
    if (known) this.bar.value = bytes;
    const parts = [
      known ? `${formatBytes(bytes)} of ${formatBytes(this.total)}` : formatBytes(bytes),
    ];
    if (reading.rate > 0) parts.push(formatRate(reading.rate));
    if (reading.rate > 0 && known) parts.push(`${formatDuration(reading.secondsLeft)} left`);
    this.detail.textContent = parts.join(" · ");
  }

  finish(summary: string, bytes: number, ...actions: HTMLElement[]): void {
    this.bar.max = Math.max(bytes, 1);
    this.bar.value = this.bar.max;
    this.detail.textContent = formatBytes(bytes);
    this.setState("done");
    this.setStatus(summary);
    replaceChildren(this.actions, ...actions);
  }

  /** One extra line under the row, e.g. that the sender has finished; a new note replaces it. */
  note(text: string): void {
    this.noteLine ??= this.element.appendChild(h("p", { class: "transfer-note" }));
    this.noteLine.textContent = text;
  }

  /** Keeps the byte count so far, which tells how far it got. */
  fail(message: string, state: "failed" | "cancelled" = "failed"): void {
    this.setState(state);
    this.setStatus(message);
    replaceChildren(this.actions);
    if (!this.meter) this.detail.textContent = "";
  }

  /** Offers a Cancel button while `onCancel` is set. */
  allowCancel(onCancel: (() => void) | undefined): void {
    if (!onCancel) {
      this.actions.querySelector(".cancel")?.remove();
      return;
    }
    const button = h(
      "button",
      {
        type: "button",
        class: "secondary cancel",
        "aria-label": this.cancelLabel(),
        onclick: onCancel,
      },
      "Cancel",
    );
    replaceChildren(this.actions, button);
  }

  private cancelLabel(): string {
    const verb = this.direction === "send" ? "sending" : "receiving";
    return `Cancel ${verb} ${this.nameLine.textContent}`;
  }
}

export function resumedText(resumedAt: number): string {
  return `resumed at ${formatBytes(resumedAt)}`;
}
