/**
 * The rows of one transfer: the files of one connection (a kad session) or
 * of one pick (sent one connection per file). One Cancel stops them all, and
 * a failure ends the rows still open; a failure after every row finished
 * (the connection dropped between files) shows as a note on the last row.
 */
import type { TransferRow } from "./transfer-row.js";

export class RowGroup {
  private readonly rows: TransferRow[] = [];
  private onCancel: (() => void) | undefined;

  constructor(private readonly place: (row: TransferRow) => void) {}

  add(row: TransferRow): TransferRow {
    this.place(row);
    this.rows.push(row);
    if (this.onCancel) row.allowCancel(this.onCancel);
    return row;
  }

  /** Offers Cancel on every open row while `onCancel` is set. */
  allowCancel(onCancel: (() => void) | undefined): void {
    this.onCancel = onCancel;
    for (const row of this.rows) if (row.open || !onCancel) row.allowCancel(onCancel);
  }

  fail(message: string, state: "failed" | "cancelled"): void {
    const open = this.rows.filter((row) => row.open);
    for (const row of open) row.fail(message, state);
    if (open.length === 0) this.rows.at(-1)?.note(message);
  }
}
