/**
 * Counters and gauges rendered in the Prometheus text exposition format
 * (version 0.0.4) at GET /metrics. Hand-written: a dozen series do not need a
 * client library. Label values come from fixed sets in the code, never from
 * the network.
 */

type Labels = Record<string, string>;

interface Series {
  help: string;
  kind: "counter" | "gauge";
  /** Series "by" a label have no sample until first use; the others start at 0. */
  labelled: boolean;
  values: Map<string, { labels: Labels; value: number }>;
  /** Gauges may be computed at scrape time instead of tracked. */
  read?: () => number;
}

function labelKey(labels: Labels): string {
  return Object.entries(labels)
    .map(
      ([name, value]) =>
        `${name}="${value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`))}"`,
    )
    .join(",");
}

export class Metrics {
  private readonly series = new Map<string, Series>();

  constructor() {
    this.define("kad_rooms_created_total", "counter", "Rooms created through POST /rooms.");
    this.define("kad_connections_total", "counter", "WebSocket connections accepted.");
    this.define(
      "kad_connections_rejected_total",
      "counter",
      "WebSocket handshakes refused, by reason.",
      true,
    );
    this.define("kad_connections_open", "gauge", "WebSocket connections open now.");
    this.define("kad_members_joined", "gauge", "Connections on this instance that joined a room.");
    this.define(
      "kad_connect_failures_total",
      "counter",
      "Refused connect requests, by reply.",
      true,
    );
    this.define("kad_password_checks_total", "counter", "Room passwords verified (scrypt runs).");
    this.define("kad_initiates_relayed_total", "counter", "initiate requests relayed to a peer.");
    this.define(
      "kad_relays_total",
      "counter",
      "Frames relayed between peers, by chain stage.",
      true,
    );
    this.define("kad_relay_timeouts_total", "counter", "Relay steps that got no reply in time.");
    this.define("kad_frames_rejected_total", "counter", "Client frames rejected, by reason.", true);
    this.define(
      "kad_rate_limited_total",
      "counter",
      "Requests refused by a rate limit, by limit.",
      true,
    );
    this.define(
      "kad_turn_credentials_total",
      "counter",
      "TURN credentials handed to members of a room.",
    );
    this.define("kad_http_requests_total", "counter", "HTTP requests, by route and status.", true);
    this.defineComputed(
      "process_resident_memory_bytes",
      "Resident memory of the server process in bytes.",
      () => process.memoryUsage.rss(),
    );
  }

  /** A gauge whose value is read at scrape time. */
  defineComputed(name: string, help: string, read: () => number): void {
    this.series.set(name, { help, kind: "gauge", labelled: false, values: new Map(), read });
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    const series = this.series.get(name);
    if (!series) throw new Error(`unknown metric ${name}`);
    const key = labelKey(labels);
    const entry = series.values.get(key);
    if (entry) entry.value += by;
    else series.values.set(key, { labels, value: by });
  }

  dec(name: string, labels: Labels = {}): void {
    this.inc(name, labels, -1);
  }

  /** Current value of one series (for tests and the benchmark). */
  value(name: string, labels: Labels = {}): number {
    const series = this.series.get(name);
    if (series?.read) return series.read();
    return series?.values.get(labelKey(labels))?.value ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, series] of this.series) {
      lines.push(`# HELP ${name} ${series.help}`, `# TYPE ${name} ${series.kind}`);
      if (series.read) {
        lines.push(`${name} ${series.read()}`);
        continue;
      }
      if (series.values.size === 0 && !series.labelled) lines.push(`${name} 0`);
      for (const { labels, value } of series.values.values()) {
        const key = labelKey(labels);
        lines.push(key ? `${name}{${key}} ${value}` : `${name} ${value}`);
      }
    }
    return `${lines.join("\n")}\n`;
  }

  private define(name: string, kind: Series["kind"], help: string, labelled = false): void {
    this.series.set(name, { help, kind, labelled, values: new Map() });
  }
}
