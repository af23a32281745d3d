// `npm run bench [-- --size 1GiB]`: one run on loopback, every contestant on
// the same machine at the same moment, so the ratios mean something:
//
//   kad               `kad send --code` -> `kad receive --wait` through `kad serve` (built
//                     CLI), both started together with one code, as the wormhole clients are;
//   kad-1             the same with KAD_LANES=0: every byte on one peer connection
//   raw               two bare node-datachannel peers (bench/raw-pair.mjs): the WebRTC ceiling,
//                     at kad's loopback SCTP MTU (4000) and, as raw-1200, at the default
//   magic-wormhole    Debian's Python client, wormhole-william its Go one (bench/anchors.mjs)
//   tcp               a plain TCP copy between two processes (bench/transfer-tcp.mjs)
//
// Two cases: one random file (--size, default 256 MiB, at most 1 GiB) and a
// tree of 1,000 files of 4 KiB (kad and the wormhole clients; raw and TCP move
// one stream only). Every side is measured by GNU time (bench/measure.mjs).
// Env: BENCH_ROUNDS (default 2: contestants alternate, the best round counts),
// BENCH_ONLY (e.g. "kad,raw" while tuning), BENCH_CLI (another build of the
// CLI), BENCH_DIR (default the OS temp dir). A full run (no BENCH_ONLY or
// BENCH_CLI) writes bench/results/latest.json. A small kad transfer before
// the rounds writes kad's compile cache, as any earlier use of kad would.
import { fork } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ANCHORS, startAnchors } from "./anchors.mjs";
import { expectOneFile, expectTree, sha256File, writeRandomFile, writeTree } from "./fixtures.mjs";
import { gnuTimeInstalled } from "./measure.mjs";
import { formatReport, writeResults } from "./report.mjs";
import { summarizeFile, summarizeTree } from "./summary.mjs";
import { contestants } from "./transfers.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MIB = 1024 ** 2;
const DEFAULT_BYTES = 256 * MIB;
const MAX_BYTES = 1024 * MIB;
const TREE_FILES = 1000;
const TREE_FILE_BYTES = 4096;
// A transfer slower than this is hung, not slow: it is stopped and the bench fails.
const TIMEOUT_FLOOR_MS = 60_000;
const SLOWEST_MB_PER_SECOND = 2;
const GOAL_RATIO = 0.95;
const GOAL_RSS_MB = 150;

const FILE_CONTESTANTS = ["kad", "kad-1", "raw", "raw-1200", ...ANCHORS];
const TREE_CONTESTANTS = ["kad", ...ANCHORS];
const ALL = [...FILE_CONTESTANTS, "tcp"];

function parseSize(text) {
  const match = /^(\d+)(MiB|GiB)$/i.exec(text);
  const bytes = match ? Number(match[1]) * (match[2].toLowerCase() === "gib" ? 1024 : 1) * MIB : 0;
  if (bytes < MIB || bytes > MAX_BYTES) {
    throw new Error(`--size ${text}: give 1MiB to 1GiB, e.g. --size 256MiB or --size 1GiB`);
  }
  return bytes;
}

function config() {
  const { values } = parseArgs({ options: { size: { type: "string" } } });
  const only = process.env.BENCH_ONLY?.split(",") ?? ALL;
  return {
    bytes: values.size ? parseSize(values.size) : DEFAULT_BYTES,
    rounds: Number(process.env.BENCH_ROUNDS ?? 2),
    only,
    kad: process.env.BENCH_CLI ?? join(ROOT, "bin", "kad"),
    saveResults: !process.env.BENCH_ONLY && !process.env.BENCH_CLI,
  };
}

async function benchTcp(source, outDir) {
  const script = fileURLToPath(new URL("./transfer-tcp.mjs", import.meta.url));
  const receiver = fork(script, ["receive", join(outDir, "tcp.bin")]);
  const result = new Promise((resolve) =>
    receiver.on("message", (m) => m.kind === "result" && resolve(m)),
  );
  const port = await new Promise((resolve) =>
    receiver.on("message", (m) => m.kind === "listening" && resolve(m.port)),
  );
  fork(script, ["send", source, String(port)]);
  return result;
}

/** Runs one transfer into a fresh directory, checks what arrived, and cleans up. */
async function measureOne(transfer, { source, dir, timeoutMs, check }) {
  const outDir = await mkdtemp(join(dir, "out-"));
  try {
    const result = await transfer({ source, outDir, timeoutMs });
    await check(outDir);
    return result;
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/** One small kad transfer first, which writes kad's compile caches (bench/kad-transfer.mjs). */
async function warmUpKad(runnable, dir, timeoutMs) {
  const kad = runnable.find(([name]) => name.startsWith("kad"))?.[1];
  if (!kad) return;
  process.stderr.write("warming up kad (its compile cache)...\n");
  const source = join(dir, "warm-up.bin");
  await writeRandomFile(source, MIB);
  const sha256 = await sha256File(source);
  const check = (out) => expectOneFile(out, sha256, "kad warm-up");
  await measureOne(kad, { source, dir, timeoutMs, check });
}

async function runRounds(cfg, dir, runnable) {
  const source = join(dir, "source.bin");
  const tree = join(dir, "tree");
  process.stderr.write(`writing ${cfg.bytes} random bytes and ${TREE_FILES} small files...\n`);
  await writeRandomFile(source, cfg.bytes);
  await writeTree(tree, TREE_FILES, TREE_FILE_BYTES);
  const sha256 = await sha256File(source);
  const timeoutMs = TIMEOUT_FLOOR_MS + (cfg.bytes / 1e6 / SLOWEST_MB_PER_SECOND) * 1000;
  const file = new Map();
  const trees = new Map();
  await warmUpKad(runnable, dir, timeoutMs);
  for (let round = 1; round <= cfg.rounds; round++) {
    for (const [name, transfer] of runnable) {
      if (!FILE_CONTESTANTS.includes(name)) continue;
      process.stderr.write(`round ${round}/${cfg.rounds}: ${name}, one file\n`);
      const check = (out) => expectOneFile(out, sha256, name);
      const result = await measureOne(transfer, { source, dir, timeoutMs, check });
      file.set(name, [...(file.get(name) ?? []), result]);
    }
    for (const [name, transfer] of runnable) {
      if (!TREE_CONTESTANTS.includes(name)) continue;
      process.stderr.write(`round ${round}/${cfg.rounds}: ${name}, ${TREE_FILES} files\n`);
      const check = (out) => expectTree(out, TREE_FILES, TREE_FILES * TREE_FILE_BYTES, name);
      const result = await measureOne(transfer, { source: tree, dir, timeoutMs, check });
      trees.set(name, [...(trees.get(name) ?? []), result]);
    }
  }
  const tcp = cfg.only.includes("tcp")
    ? await measureOne((o) => benchTcp(o.source, o.outDir), {
        source,
        dir,
        timeoutMs,
        check: (out) => expectOneFile(out, sha256, "tcp"),
      })
    : undefined;
  return { file, trees, tcp };
}

function collect(cfg, names, measured, skipped, summarize) {
  const results = {};
  for (const name of names.filter((n) => cfg.only.includes(n))) {
    const rounds = measured.get(name);
    results[name] = rounds ? summarize(rounds) : { skipped: skipped.get(name) ?? "not run" };
  }
  return results;
}

async function main() {
  const cfg = config();
  if (!(await gnuTimeInstalled())) {
    throw new Error("the bench measures CPU and memory with GNU time: apt-get install time");
  }
  const dir = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), "kad-bench-"));
  const anchors = await startAnchors(
    ANCHORS.filter((name) => cfg.only.includes(name)),
    dir,
  );
  try {
    for (const [name, why] of anchors.skipped) process.stderr.write(`${name}: skipped, ${why}\n`);
    const runnable = [...contestants({ kad: cfg.kad, dir, anchors })].filter(([name]) =>
      cfg.only.includes(name),
    );
    const { file, trees, tcp } = await runRounds(cfg, dir, runnable);
    const fileResults = collect(cfg, FILE_CONTESTANTS, file, anchors.skipped, (rounds) =>
      summarizeFile(cfg.bytes, rounds),
    );
    if (tcp) fileResults.tcp = { mbPerSecond: cfg.bytes / 1e6 / (tcp.ms / 1000) };
    const treeResults = collect(cfg, TREE_CONTESTANTS, trees, anchors.skipped, (rounds) =>
      summarizeTree(TREE_FILES, rounds),
    );
    const kad = fileResults.kad;
    // End to end, from starting kad send to both processes' exit (rendezvous included).
    const ratio = kad?.mbPerSecond / fileResults.raw?.mbPerSecond;
    const results = {
      bytes: cfg.bytes,
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, loadAverage: loadavg()[0] },
      rounds: cfg.rounds,
      file: fileResults,
      tree: { files: TREE_FILES, fileBytes: TREE_FILE_BYTES, results: treeResults },
      kadToRawRatio: ratio,
      goals: {
        ratioGoal: GOAL_RATIO,
        ratio: ratio >= GOAL_RATIO,
        peakRssMbGoal: GOAL_RSS_MB,
        peakRssMb: Math.max(kad?.sender?.peakRssMb, kad?.receiver?.peakRssMb) < GOAL_RSS_MB,
      },
    };
    process.stdout.write(formatReport(results));
    if (!cfg.saveResults) return;
    await mkdir(join(ROOT, "bench", "results"), { recursive: true });
    await writeResults(join(ROOT, "bench", "results", "latest.json"), results);
  } finally {
    await anchors.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${error.message}\n`);
  process.exitCode = 1;
}
