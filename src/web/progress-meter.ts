/** Rate and time left for one transfer, from a sliding window of samples. */

const WINDOW_MS = 3_000;

interface Sample {
  time: number;
  bytes: number;
}

export interface ProgressReading {
  bytes: number;
  total: number;
  /** Bytes per second over the last few seconds; 0 until there are two samples. */
  rate: number;
  /** Seconds left at that rate; Infinity while the rate is unknown. */
  secondsLeft: number;
}

export class ProgressMeter {
  private samples: Sample[] = [];

  constructor(
    private readonly total: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  update(bytes: number): ProgressReading {
    const time = this.now();
    this.samples.push({ time, bytes });
    while (this.samples.length > 2 && time - (this.samples[1]?.time ?? time) >= WINDOW_MS) {
      this.samples.shift();
    }
    const oldest = this.samples[0] ?? { time, bytes };
    const elapsed = (time - oldest.time) / 1000;
    const rate = elapsed > 0 ? (bytes - oldest.bytes) / elapsed : 0;
    const secondsLeft = rate > 0 ? (this.total - bytes) / rate : Number.POSITIVE_INFINITY;
    return { bytes, total: this.total, rate, secondsLeft };
  }
}
