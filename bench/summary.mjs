// Turns rounds of measurements into the figures the bench reports. The
// machine may be shared: the best round of each contestant counts (the least
// disturbed one) for time and CPU; peak RSS is the highest of all rounds.
const GIB = 1024 ** 3;

const mbPerSecond = (bytes, ms) => bytes / 1e6 / (ms / 1000);
const maxOf = (values) => Math.max(...values.filter((v) => !Number.isNaN(v ?? Number.NaN)));

function side(best, rounds, role) {
  return {
    cpuSeconds: best[role].cpuSeconds,
    peakRssMb: maxOf(rounds.map((r) => r[role].peakRssMb)),
  };
}

const perGib = ({ cpuSeconds, peakRssMb }, bytes) => ({
  cpuSecondsPerGiB: cpuSeconds / (bytes / GIB),
  peakRssMb,
});

/** One file of `bytes`: throughput end to end (and of the data phase where known). */
export function summarizeFile(bytes, rounds) {
  const best = rounds.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  const dataPhase = rounds.map((r) => r.dataPhaseMs).filter((ms) => ms > 0);
  return {
    mbPerSecond: mbPerSecond(bytes, best.wallMs),
    dataPhaseMbPerSecond: dataPhase.length
      ? mbPerSecond(bytes, Math.min(...dataPhase))
      : Number.NaN,
    rounds: rounds.map((r) => mbPerSecond(bytes, r.wallMs)),
    sender: perGib(side(best, rounds, "sender"), bytes),
    receiver: perGib(side(best, rounds, "receiver"), bytes),
  };
}

/** A tree of `files` small files: seconds end to end and files per second. */
export function summarizeTree(files, rounds) {
  const best = rounds.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  return {
    seconds: best.wallMs / 1000,
    filesPerSecond: files / (best.wallMs / 1000),
    rounds: rounds.map((r) => r.wallMs / 1000),
    sender: side(best, rounds, "sender"),
    receiver: side(best, rounds, "receiver"),
  };
}
