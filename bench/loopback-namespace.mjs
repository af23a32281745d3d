// A private network namespace with nothing but a loopback interface, for the
// magic-wormhole anchors: whatever their clients try (wormhole-william has a
// public transit relay built in and no flag to change it), no packet can leave
// the machine. `ip netns exec` bind-mounts /etc/netns/NAME/hosts over
// /etc/hosts for the processes inside, so the public relays' names resolve to
// 127.0.0.1 there, where the bench runs its own servers.
import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

const NAME_PREFIX = "kadbench";
const PUBLIC_RELAY_NAMES = ["relay.magic-wormhole.io", "transit.magic-wormhole.io"];

const hostsDir = (name) => `/etc/netns/${name}`;

async function removeNamespace(name) {
  await run("ip", ["netns", "delete", name]).catch(() => undefined);
  await rm(hostsDir(name), { recursive: true, force: true });
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Namespaces left by bench runs that died before their cleanup. */
async function removeAbandoned() {
  const { stdout } = await run("ip", ["netns", "list"]);
  for (const line of stdout.split("\n")) {
    const match = new RegExp(`^(${NAME_PREFIX}-(\\d+))\\b`).exec(line);
    if (match && !processAlive(Number(match[2]))) await removeNamespace(match[1]);
  }
}

/** Creates the namespace (needs root); `wrap` is the prefix that runs a command inside. */
export async function createLoopbackNamespace() {
  await removeAbandoned();
  const name = `${NAME_PREFIX}-${process.pid}`;
  await run("ip", ["netns", "add", name]);
  try {
    await run("ip", ["-n", name, "link", "set", "lo", "up"]);
    await mkdir(hostsDir(name), { recursive: true });
    const hosts = ["127.0.0.1 localhost", ...PUBLIC_RELAY_NAMES.map((n) => `127.0.0.1 ${n}`)];
    await writeFile(`${hostsDir(name)}/hosts`, `${hosts.join("\n")}\n`);
  } catch (error) {
    await removeNamespace(name);
    throw error;
  }
  return { name, wrap: ["ip", "netns", "exec", name], destroy: () => removeNamespace(name) };
}
