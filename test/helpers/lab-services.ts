/**
 * The public side of the lab: a real coturn (`turnserver`, use-auth-secret)
 * and `kad serve` handing out its credentials, both in the lab's public
 * namespace. Processes are started with `ip netns exec` directly, so killing
 * them kills turnserver and the server themselves, not a wrapper.
 */
import { type ChildProcess, execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { stop } from "./browser-env.js";
import type { NetNamespace } from "./netns.js";

const run = promisify(execFile);

const KAD_BIN = resolve(import.meta.dirname, "../../bin/kad");
export const TURN_PORT = 3478;
export const TURN_REALM = "kad.lab";
const TURN_SECRET = "lab-secret-not-for-production";
const START_TIMEOUT_MS = 15_000;
const MIN_RELAY_PORT = 49160;
const MAX_RELAY_PORT = 49200;
/** coturn's relayed ports, as iptables writes a range. */
export const RELAY_PORTS = `${MIN_RELAY_PORT}:${MAX_RELAY_PORT}`;

export interface LabServices {
  /** kad serve's base URL. */
  url: string;
  turnUrl: string;
  secret: string;
  /** Everything turnserver logged so far. */
  turnLog(): string;
  /** A value of kad serve's /metrics, read from inside the public namespace. */
  metric(name: string): Promise<number>;
  close(): Promise<void>;
}

/** coturn's configuration, as README's self-hosting section and compose.yaml give it (plus lab paths). */
function turnConfig(address: string, directory: string): string {
  return [
    `listening-ip=${address}`,
    `relay-ip=${address}`,
    `listening-port=${TURN_PORT}`,
    "use-auth-secret",
    `static-auth-secret=${TURN_SECRET}`,
    `realm=${TURN_REALM}`,
    `min-port=${MIN_RELAY_PORT}`,
    `max-port=${MAX_RELAY_PORT}`,
    "no-tls",
    "no-dtls",
    "no-cli",
    "fingerprint",
    "no-multicast-peers",
    `log-file=${join(directory, "turn.log")}`,
    `pidfile=${join(directory, "turn.pid")}`,
    `userdb=${join(directory, "turndb")}`,
    "simple-log",
    "verbose",
    "",
  ].join("\n");
}

export async function startLabServices(
  pub: NetNamespace,
  options: { turn: boolean },
): Promise<LabServices> {
  const directory = await mkdtemp(join(tmpdir(), "kad-lab-"));
  const children: ChildProcess[] = [];
  const logFile = join(directory, "turn.log");
  const close = async () => {
    await Promise.all(children.map(stop));
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const turnUrl = `turn:${pub.address}:${TURN_PORT}`;
    const serveArgs = [
      "serve",
      "--host",
      pub.address,
      "--port",
      "0",
      "--json",
      "--log-level",
      "warn",
    ];
    if (options.turn) {
      await writeFile(join(directory, "turnserver.conf"), turnConfig(pub.address, directory));
      await writeFile(join(directory, "turn-secret"), `${TURN_SECRET}\n`, { mode: 0o600 });
      const turn = pub.spawnInside("turnserver", ["-c", join(directory, "turnserver.conf")], {
        stdio: "ignore",
      });
      children.push(turn);
      serveArgs.push("--turn-url", turnUrl, "--turn-secret-file", join(directory, "turn-secret"));
    }
    const server = pub.spawnInside(process.execPath, [KAD_BIN, ...serveArgs], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(server);
    const url = await listeningUrl(server);
    if (options.turn) await waitForLog(logFile, "UDP listener opened on");
    return {
      url,
      turnUrl,
      secret: TURN_SECRET,
      turnLog: () => readLog(logFile),
      metric: async (name) => {
        const [command, args] = pub.wrap("curl", ["-sf", `${url}/metrics`]);
        const { stdout } = await run(command, args);
        const line = stdout.split("\n").find((l) => l.startsWith(`${name} `));
        return Number(line?.split(" ")[1] ?? Number.NaN);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

async function waitForLog(file: string, text: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!readLog(file).includes(text)) {
    if (Date.now() > deadline) throw new Error(`turnserver did not start:\n${readLog(file)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function listeningUrl(server: ChildProcess): Promise<string> {
  if (!server.stdout) throw new Error("kad serve has no stdout");
  const lines = createInterface({ input: server.stdout });
  const timer = setTimeout(() => server.kill("SIGKILL"), START_TIMEOUT_MS);
  try {
    for await (const line of lines) {
      if (line.includes('"listening"')) return String(JSON.parse(line).url);
    }
    throw new Error("kad serve exited before it was listening");
  } finally {
    clearTimeout(timer);
    lines.close();
    server.stdout.resume();
  }
}
