// The magic-wormhole anchors: which of them can run here, and their servers.
// A missing package or a missing privilege skips an anchor with the reason and
// the command that fixes it; it never fails the bench.
import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { createLoopbackNamespace } from "./loopback-namespace.mjs";
import { WORMHOLE_CLIENTS, wormholeProgram, wormholeTransfer } from "./wormhole-clients.mjs";
import { startWormholeServers } from "./wormhole-servers.mjs";

const run = promisify(execFile);

const SERVER_PACKAGES = "python3-magic-wormhole-mailbox-server magic-wormhole-transit-relay";
export const ANCHORS = WORMHOLE_CLIENTS;
const PACKAGES = { "magic-wormhole": "magic-wormhole", "wormhole-william": "wormhole-william" };

async function onPath(program) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    try {
      await access(join(dir, program), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

async function serversInstalled() {
  if (!(await onPath("twistd3"))) return false;
  const { stdout } = await run("twistd3", ["--help"]).catch(() => ({ stdout: "" }));
  return stdout.includes("wormhole-mailbox") && stdout.includes("transitrelay");
}

/** Why this machine cannot run any anchor, or undefined when it can. */
async function commonObstacle() {
  if (process.getuid?.() !== 0 || !(await onPath("ip"))) {
    return "needs root and iproute2 (a private network namespace keeps the wormhole clients off the internet)";
  }
  if (!(await serversInstalled())) return `not installed: apt-get install ${SERVER_PACKAGES}`;
  return undefined;
}

/**
 * Starts what the wanted anchors need. `transfers` maps each runnable anchor
 * to transfer({ source, outDir, timeoutMs }); `skipped` maps the others to why.
 */
export async function startAnchors(wanted, dir) {
  const transfers = new Map();
  const skipped = new Map();
  if (wanted.length === 0) return { transfers, skipped, stop: async () => {} };
  const obstacle = await commonObstacle();
  for (const name of wanted) {
    if (obstacle) skipped.set(name, obstacle);
    else if (!(await onPath(wormholeProgram(name)))) {
      skipped.set(name, `not installed: apt-get install ${PACKAGES[name]} ${SERVER_PACKAGES}`);
    }
  }
  const runnable = wanted.filter((name) => !skipped.has(name));
  if (runnable.length === 0) return { transfers, skipped, stop: async () => {} };
  const namespace = await createLoopbackNamespace();
  let servers;
  try {
    servers = await startWormholeServers(namespace.wrap, dir);
  } catch (error) {
    await namespace.destroy();
    throw error;
  }
  for (const name of runnable) {
    transfers.set(name, (options) =>
      wormholeTransfer(name, { ...options, wrap: namespace.wrap, servers, dir }),
    );
  }
  const stop = async () => {
    await servers.stop();
    await namespace.destroy();
  };
  return { transfers, skipped, stop };
}
