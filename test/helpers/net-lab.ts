/**
 * A network lab of namespaces (addresses in 198.18.0.0/15 only):
 *
 *            public 198.18.100.0/24 (bridge in namespace "pub": kad serve + turnserver at .1)
 *             /                        \
 *   router A 198.18.100.2         router B 198.18.100.3     (or host B right on the bridge at .20)
 *        |  198.18.1.1                 |  198.18.2.1
 *   host A 198.18.1.2             host B 198.18.2.2
 *
 * Routers are "firewall" (forward only to and from the server; the routes
 * between the private networks exist, so only the filter stops a direct path)
 * or "nat" (MASQUERADE out to the bridge, forwarding open, no route between
 * the private networks). Namespaces carry the same "kadt-<pid>-" prefix as
 * test/helpers/netns.ts, so one dead test's leftovers are removed by the next.
 */
import { type ChildProcess, execFile, type SpawnOptions, spawn } from "node:child_process";
import { promisify } from "node:util";
import type { NetNamespace } from "./netns.js";

const run = promisify(execFile);

export const SERVER_ADDRESS = "198.18.100.1";
const BRIDGE_PREFIX = 24;
export type RouterMode = "firewall" | "nat";

export interface LabSide {
  /** Behind a router in this mode, or "public": right on the bridge. */
  mode: RouterMode | "public";
}

export interface Lab {
  pub: NetNamespace;
  hostA: NetNamespace;
  hostB: NetNamespace;
  destroy(): Promise<void>;
}

let labs = 0;

function namespace(name: string, address: string): NetNamespace {
  const wrap = (command: string, args: string[]): [string, string[]] => [
    "ip",
    ["netns", "exec", name, command, ...args],
  ];
  return {
    name,
    address,
    wrap,
    spawnInside: (command: string, args: string[], options: SpawnOptions = {}): ChildProcess =>
      spawn(...wrap(command, args), options),
    destroy: () =>
      run("ip", ["netns", "delete", name]).then(
        () => undefined,
        () => undefined,
      ),
  };
}

async function ip(...args: string[]): Promise<void> {
  await run("ip", args);
}

async function inside(ns: string, command: string, ...args: string[]): Promise<void> {
  await run("ip", ["netns", "exec", ns, command, ...args]);
}

export async function createLab(sideA: RouterMode, sideB: LabSide["mode"]): Promise<Lab> {
  labs += 1;
  const prefix = `kadt-${process.pid}-lab${labs}${Math.random().toString(36).slice(2, 5)}`;
  const names = {
    pub: `${prefix}p`,
    ra: `${prefix}ra`,
    ha: `${prefix}ha`,
    rb: `${prefix}rb`,
    hb: `${prefix}hb`,
  };
  const used =
    sideB === "public" ? [names.pub, names.ra, names.ha, names.hb] : Object.values(names);
  const destroy = async () => {
    for (const name of used) await ip("netns", "delete", name).catch(() => undefined);
  };
  try {
    for (const name of used) {
      await ip("netns", "add", name);
      await ip("-n", name, "link", "set", "lo", "up");
    }
    await ip("-n", names.pub, "link", "add", "br0", "type", "bridge");
    await ip("-n", names.pub, "addr", "add", `${SERVER_ADDRESS}/${BRIDGE_PREFIX}`, "dev", "br0");
    await ip("-n", names.pub, "link", "set", "br0", "up");
    await addRouter(names.pub, names.ra, names.ha, 1, sideA);
    if (sideB === "public") await addPublicHost(names.pub, names.hb, "198.18.100.20");
    else await addRouter(names.pub, names.rb, names.hb, 2, sideB);
    if (sideA === "firewall" && sideB === "firewall") {
      await ip("-n", names.ra, "route", "add", "198.18.2.0/24", "via", "198.18.100.3");
      await ip("-n", names.rb, "route", "add", "198.18.1.0/24", "via", "198.18.100.2");
    }
  } catch (error) {
    await destroy();
    throw error;
  }
  const hostB = sideB === "public" ? "198.18.100.20" : "198.18.2.2";
  return {
    pub: namespace(names.pub, SERVER_ADDRESS),
    hostA: namespace(names.ha, "198.18.1.2"),
    hostB: namespace(names.hb, hostB),
    destroy,
  };
}

/** A veth from `ns` into the bridge of `pub`, with `address` on the `ns` end. */
async function linkToBridge(pub: string, ns: string, address: string): Promise<void> {
  const port = `p${ns.slice(-2)}`;
  await ip("-n", ns, "link", "add", "up0", "type", "veth", "peer", "name", port, "netns", pub);
  await ip("-n", pub, "link", "set", port, "master", "br0");
  await ip("-n", pub, "link", "set", port, "up");
  await ip("-n", ns, "addr", "add", `${address}/${BRIDGE_PREFIX}`, "dev", "up0");
  await ip("-n", ns, "link", "set", "up0", "up");
}

async function addPublicHost(pub: string, host: string, address: string): Promise<void> {
  await linkToBridge(pub, host, address);
  await ip("-n", host, "route", "add", "default", "via", SERVER_ADDRESS);
}

async function addRouter(
  pub: string,
  router: string,
  host: string,
  side: 1 | 2,
  mode: RouterMode,
): Promise<void> {
  const outside = `198.18.100.${side + 1}`;
  const gateway = `198.18.${side}.1`;
  await linkToBridge(pub, router, outside);
  await ip(
    "-n",
    router,
    "link",
    "add",
    "down0",
    "type",
    "veth",
    "peer",
    "name",
    "eth0",
    "netns",
    host,
  );
  await ip("-n", router, "addr", "add", `${gateway}/24`, "dev", "down0");
  await ip("-n", router, "link", "set", "down0", "up");
  await ip("-n", host, "addr", "add", `198.18.${side}.2/24`, "dev", "eth0");
  await ip("-n", host, "link", "set", "eth0", "up");
  await ip("-n", host, "route", "add", "default", "via", gateway);
  await inside(router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
  if (mode === "nat") {
    await inside(
      router,
      "iptables",
      "-t",
      "nat",
      "-A",
      "POSTROUTING",
      "-o",
      "up0",
      "-j",
      "MASQUERADE",
    );
    return;
  }
  await ip("-n", pub, "route", "add", `198.18.${side}.0/24`, "via", outside);
  await inside(router, "iptables", "-P", "FORWARD", "DROP");
  await inside(router, "iptables", "-A", "FORWARD", "-d", SERVER_ADDRESS, "-j", "ACCEPT");
  await inside(router, "iptables", "-A", "FORWARD", "-s", SERVER_ADDRESS, "-j", "ACCEPT");
}
