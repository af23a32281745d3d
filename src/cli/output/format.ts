/** Human-readable numbers for progress output. */
const UNITS = ["B", "kB", "MB", "GB", "TB"];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0
    ? `${Math.round(value)} B`
    : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** "42%" of `total`, or "" when the total is unknown or zero. */
export function formatPercent(done: number, total: number | null): string {
  return total ? `${Math.floor((done * 100) / total)}%` : "";
}

/** A time left for people: "42s", "3m 05s", "2h 07m". */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  if (seconds < 60) return `${seconds}s`;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${pad(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h ${pad(Math.floor((seconds % 3600) / 60))}m`;
}

/** Smooths a byte rate over a short window. */
export class RateMeter {
  private samples: Array<{ at: number; bytes: number }> = [];

  constructor(private readonly windowMs = 3_000) {}

  update(bytes: number, at = Date.now()): number {
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - (this.samples[0]?.at ?? at) > this.windowMs)
      this.samples.shift();
    const first = this.samples[0];
    if (!first || at === first.at) return 0;
    return ((bytes - first.bytes) * 1000) / (at - first.at);
  }
}

/** The TTY/plain line for a `path` event. */
export function describeRoute(path: {
  route: string;
  local: string;
  remote: string;
  via?: string;
}): string {
  if (path.route === "relay")
    return `path: relayed through the TURN server ${path.via ?? ""}`.trimEnd();
  if (path.route === "lan") return "path: direct, on the local network";
  return `path: direct through NAT (${path.local} to ${path.remote} candidates)`;
}
