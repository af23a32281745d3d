// One kad transfer through the built CLI: `kad serve` on port 0, then
// `kad send --code` and `kad receive --wait` with the same fixed code, started
// together as the wormhole clients are, each a real process measured by GNU
// time. The receiver's --json events ("file" .. "file-done")
// also give the data phase, without process start, signaling and handshake.
// Every kad process keeps its compile cache (src/launch/compile-cache.ts) in
// the bench's own directory, written by a warm-up transfer (warmUpKad), so
// each measured run starts as a user's second run of kad does.
import { join } from "node:path";
import { allExited, spawnMeasured } from "./measure.mjs";

let transfers = 0;

/** A fresh room per transfer (the server keeps a finished room until its TTL). */
function uniqueCode() {
  transfers += 1;
  return `${transfers}-kad-bench-piano-oak`;
}

/** Spawns `node args` measured, collecting its --json lines with arrival times. */
function runNode(args, { dir, stderr = "inherit", env = process.env }) {
  const run = spawnMeasured(process.execPath, args, {
    dir,
    env,
    stdio: ["ignore", "pipe", stderr],
  });
  const events = [];
  const listeners = [];
  let partial = "";
  run.child.stdout.on("data", (data) => {
    partial += data.toString();
    const lines = partial.split("\n");
    partial = lines.pop();
    for (const line of lines.filter(Boolean)) {
      const event = { ...JSON.parse(line), at: performance.now() };
      events.push(event);
      for (const listener of listeners) listener(event);
    }
  });
  const waitFor = (name) =>
    Promise.race([
      new Promise((resolve) => {
        const seen = events.find((e) => e.event === name);
        if (seen) resolve(seen);
        else listeners.push((e) => e.event === name && resolve(e));
      }),
      run.exited.then(({ code }) => {
        throw new Error(`kad ${args[1]} exited ${code} before its "${name}" event`);
      }),
    ]);
  return { ...run, events, waitFor };
}

/** Data phase of a single-file transfer, in ms (NaN for several files). */
function dataPhaseMs(events) {
  const files = events.filter((e) => e.event === "file");
  const done = events.filter((e) => e.event === "file-done");
  if (files.length !== 1 || done.length !== 1) return Number.NaN;
  return done[0].at - files[0].at;
}

/**
 * Sends source (a file or a directory) from one kad process to another into
 * outDir. Resolves with wall ms, data-phase ms and both sides' measurements.
 * `lanes`: KAD_LANES for both sides (undefined: kad's default).
 */
export async function kadTransfer({ kad, source, outDir, dir, timeoutMs, lanes }) {
  const env = {
    ...process.env,
    KAD_COMPILE_CACHE: join(dir, "compile-cache"),
    ...(lanes === undefined ? {} : { KAD_LANES: String(lanes) }),
  };
  const server = runNode([kad, "serve", "--port", "0", "--json"], { dir, env, stderr: "ignore" });
  try {
    const { url } = await server.waitFor("listening");
    const code = uniqueCode();
    const startedAt = performance.now();
    const sender = runNode([kad, "send", "--json", "--server", url, "--code", code, source], {
      dir,
      env,
    });
    const receiver = runNode(
      [kad, "receive", "--json", "--wait", "--server", url, "-o", outDir, code],
      { dir, env },
    );
    const [sent, received] = await allExited([sender, receiver], { timeoutMs, label: "kad" });
    return {
      wallMs: performance.now() - startedAt,
      dataPhaseMs: dataPhaseMs(receiver.events),
      sender: sent,
      receiver: received,
    };
  } finally {
    server.stop();
    await server.exited;
  }
}
