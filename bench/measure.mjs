// CPU seconds and peak RSS of one process, as the kernel counts them when it
// exits: GNU time (/usr/bin/time) waits for the command with wait4 and writes
// its rusage to a file. Polling /proc misses the last interval before exit and
// anything a process does between two polls; wait4 misses nothing, and it works
// the same for node, Python and Go programs.
import { spawn } from "node:child_process";
import { access, constants, readFile } from "node:fs/promises";
import { join } from "node:path";
import { signalChildren } from "./processes.mjs";

export const GNU_TIME = "/usr/bin/time";
// user seconds, system seconds, max RSS in KiB
const TIME_FORMAT = "%U %S %M";

let measured = 0;

export async function gnuTimeInstalled() {
  try {
    await access(GNU_TIME, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Prefix that runs a command under GNU time, its figures going to a fresh
 * file in dir. `read()` parses them once the command has exited.
 */
export function measurement(dir) {
  measured += 1;
  const file = join(dir, `rusage-${measured}.txt`);
  return {
    prefix: [GNU_TIME, "-f", TIME_FORMAT, "-o", file],
    read: () => readMeasurement(file),
  };
}

async function readMeasurement(file) {
  // A command that failed gets a "Command exited with non-zero status" line first.
  const lines = (await readFile(file, "utf8")).trim().split("\n");
  const [user, system, maxRssKib] = lines[lines.length - 1].split(" ").map(Number);
  return { cpuSeconds: user + system, peakRssMb: maxRssKib / 1024 };
}

/**
 * Spawns `command args` under GNU time (inside `wrap`, e.g. a network
 * namespace). `exited` resolves with the exit code, CPU seconds and peak RSS;
 * `stop` signals the command itself, so GNU time still reports on it.
 */
export function spawnMeasured(command, args, { dir, wrap = [], ...options }) {
  const { prefix, read } = measurement(dir);
  const [program, ...rest] = [...wrap, ...prefix, command, ...args];
  const child = spawn(program, rest, options);
  const exited = new Promise((resolve) => {
    child.on("error", () => resolve({ code: null, cpuSeconds: NaN, peakRssMb: NaN }));
    child.on("close", async (code) => {
      const figures = await read().catch(() => ({ cpuSeconds: NaN, peakRssMb: NaN }));
      resolve({ code, ...figures });
    });
  });
  const stop = (signal = "SIGTERM") => signalChildren(child.pid, signal);
  return { child, exited, stop };
}

/**
 * Waits for every measured run to exit; past timeoutMs stops them all and
 * rejects, so a hung tool costs one bounded wait and never the whole bench.
 */
export async function allExited(runs, { timeoutMs, label }) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      for (const run of runs) run.stop("SIGKILL");
      reject(new Error(`${label}: no result within ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  try {
    const results = await Promise.race([Promise.all(runs.map((run) => run.exited)), deadline]);
    const failed = results.findIndex((result) => result.code !== 0);
    if (failed >= 0)
      throw new Error(`${label}: process ${failed + 1} exited ${results[failed].code}`);
    return results;
  } finally {
    clearTimeout(timer);
  }
}
