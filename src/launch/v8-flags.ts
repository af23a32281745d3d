/**
 * One V8 setting for kad's processes. A transfer allocates a buffer per
 * message node-datachannel hands over (64 KiB each, about 4,000 a second)
 * and frees it at the next young-generation collection. With array buffers
 * swept concurrently, their bytes leave V8's external-memory count only
 * later, and that count is charged against the old generation's limit: the
 * receiver then ran a full mark-compact about every 180 ms of a transfer
 * (`node --trace-gc`, 256 MiB: 7 of them; swept at once: 1). The flag is
 * read at each sweep, so setting it at start-up takes effect; the launcher
 * sets it before it compiles the CLI.
 */
import { setFlagsFromString } from "node:v8";

export function sweepArrayBuffersAtOnce(): void {
  setFlagsFromString("--no-concurrent-array-buffer-sweeping");
}
