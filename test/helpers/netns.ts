/**
 * Network namespaces for tests that need a real, non-loopback interface:
 * headless Chromium gathers no ICE candidates on loopback alone, nor without a
 * default route. Each namespace gets a veth pair that lives entirely inside it
 * (nothing is added to the host's interfaces), an address in 198.18.0.0/15 (the
 * benchmarking range) and a default route into the pair. Processes started
 * with `spawnInside` share that network and nothing else.
 */
import { type ChildProcess, execFile, type SpawnOptions, spawn } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

const NAME_PREFIX = "kadt";
/** The namespace's own address and the (unanswered) gateway of its default route. */
export const NAMESPACE_ADDRESS = "198.18.0.2";
const GATEWAY_ADDRESS = "198.18.0.1";
const PREFIX_LENGTH = 24;

let created = 0;

export interface NetNamespace {
  readonly name: string;
  /** The address processes inside should bind and gather ICE candidates on. */
  readonly address: string;
  /** `command args...` prefixed so it runs inside the namespace. */
  wrap(command: string, args: string[]): [string, string[]];
  spawnInside(command: string, args: string[], options?: SpawnOptions): ChildProcess;
  destroy(): Promise<void>;
}

async function ip(...args: string[]): Promise<void> {
  await run("ip", args);
}

export async function createNetNamespace(): Promise<NetNamespace> {
  await removeAbandonedNamespaces();
  created += 1;
  // pid for finding abandoned ones, a counter and a random part so that
  // worker threads of one process never collide.
  const random = Math.random().toString(36).slice(2, 6);
  const name = `${NAME_PREFIX}-${process.pid}-${created}${random}`;
  await ip("netns", "add", name);
  try {
    await ip("-n", name, "link", "set", "lo", "up");
    await ip("-n", name, "link", "add", "veth0", "type", "veth", "peer", "name", "veth1");
    await ip("-n", name, "addr", "add", `${NAMESPACE_ADDRESS}/${PREFIX_LENGTH}`, "dev", "veth0");
    await ip("-n", name, "link", "set", "veth0", "up");
    await ip("-n", name, "link", "set", "veth1", "up");
    await ip("-n", name, "route", "add", "default", "via", GATEWAY_ADDRESS);
  } catch (error) {
    await ip("netns", "delete", name).catch(() => undefined);
    throw error;
  }
  const wrap = (command: string, args: string[]): [string, string[]] => [
    "ip",
    ["netns", "exec", name, command, ...args],
  ];
  return {
    name,
    address: NAMESPACE_ADDRESS,
    wrap,
    spawnInside: (command, args, options = {}) => spawn(...wrap(command, args), options),
    destroy: () => ip("netns", "delete", name).catch(() => undefined),
  };
}

/** Namespaces left by test processes that died before their teardown. */
async function removeAbandonedNamespaces(): Promise<void> {
  const { stdout } = await run("ip", ["netns", "list"]);
  for (const line of stdout.split("\n")) {
    const match = new RegExp(`^(${NAME_PREFIX}-(\\d+)-\\w+)`).exec(line);
    if (!match?.[1] || !match[2] || processAlive(Number(match[2]))) continue;
    await ip("netns", "delete", match[1]).catch(() => undefined);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
