/**
 * Spawns the built `bin/kad` (and the reference peer) as child processes and
 * reads their --json events as they arrive.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { afterEach, onTestFailed } from "vitest";

export const KAD = resolve(import.meta.dirname, "../../bin/kad");
export const REFERENCE_PEER = resolve(import.meta.dirname, "reference-peer.mjs");

/** Processes a test started and has not seen exit; killed after each test. */
const running = new Set<ChildProcess>();

afterEach(() => {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
});

/** How long a test waits for a kad process before failing with what it printed. */
export const PROCESS_PATIENCE_MS = 45_000;

export type JsonEvent = Record<string, unknown> & { event: string };

export interface Running {
  child: ChildProcess;
  events: JsonEvent[];
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the first event (past or future) that matches. */
  waitFor(predicate: (event: JsonEvent) => boolean): Promise<JsonEvent>;
  exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: Buffer;
    stderr: string;
  }>;
}

export interface SpawnOptions {
  cwd?: string;
  /** Added to this process's environment; a key set to undefined is removed. */
  env?: NodeJS.ProcessEnv;
  /** Run the command through `ip netns exec NAME`. */
  netns?: string;
  /** Parse stdout as JSON lines (off for -o -). */
  json?: boolean;
}

export function spawnNode(script: string, args: string[], options: SpawnOptions = {}): Running {
  const command = options.netns ? "ip" : process.execPath;
  const argv = options.netns
    ? ["netns", "exec", options.netns, process.execPath, script, ...args]
    : [script, ...args];
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, NO_COLOR: "1" };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const child = spawn(command, argv, {
    cwd: options.cwd,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  // Tests kill processes whose stdin they still write to.
  child.stdin?.on("error", () => {});
  const events: JsonEvent[] = [];
  const waiters: Array<{
    predicate: (event: JsonEvent) => boolean;
    resolve(event: JsonEvent): void;
  }> = [];
  const stdout: Buffer[] = [];
  let stderr = "";
  let partial = "";
  child.stdout?.on("data", (data: Buffer) => {
    stdout.push(data);
    if (options.json === false) return;
    partial += data.toString();
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines.filter(Boolean)) {
      const event = JSON.parse(line) as JsonEvent;
      events.push(event);
      for (const waiter of waiters.filter((w) => w.predicate(event))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  });
  child.stderr?.on("data", (data: Buffer) => {
    stderr += data.toString();
  });
  running.add(child);
  const exited = new Promise<Awaited<Running["exited"]>>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`${args.join(" ")} did not exit:\n${stderr}\n${JSON.stringify(events)}`));
    }, PROCESS_PATIENCE_MS);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      done({ code, signal, stdout: Buffer.concat(stdout), stderr });
    });
  });
  exited.catch(() => {});
  reportOnFailure(
    () => `${args.join(" ")}${netnsNote(options)}`,
    () => stderr,
    events,
  );
  const waitFor = (predicate: (event: JsonEvent) => boolean) => {
    const seen = events.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise<JsonEvent>((resolveEvent, reject) => {
      waiters.push({ predicate, resolve: resolveEvent });
      exited.then(
        (result) =>
          reject(
            new Error(
              `process exited (${result.code ?? result.signal}) first:\n${result.stderr}\n${JSON.stringify(events)}`,
            ),
          ),
        reject,
      );
    });
  };
  return { child, events, stderr: () => stderr, waitFor, exited };
}

/** How much of a process's output a failed test prints. */
const REPORT_STDERR_CHARS = 4_000;
const REPORT_EVENTS = 30;

/**
 * A failed test prints what each process it started said: a transfer that
 * failed on a loaded CI machine is then explained by its own words.
 */
function reportOnFailure(name: () => string, stderr: () => string, events: JsonEvent[]): void {
  try {
    onTestFailed(() => {
      const lines = events.slice(-REPORT_EVENTS).map((event) => JSON.stringify(event));
      console.error(
        `--- ${name()}\nstderr (last ${REPORT_STDERR_CHARS} characters):\n${stderr().slice(-REPORT_STDERR_CHARS)}\nevents (last ${REPORT_EVENTS}):\n${lines.join("\n")}`,
      );
    });
  } catch {
    // Started outside a test (a hook): nothing to attach the report to.
  }
}

function netnsNote(options: SpawnOptions): string {
  return options.netns ? ` (in ${options.netns})` : "";
}

export function kad(args: string[], options: SpawnOptions = {}): Running {
  return spawnNode(KAD, args, options);
}

export function referencePeer(
  config: Record<string, unknown>,
  options: SpawnOptions = {},
): Running {
  return spawnNode(REFERENCE_PEER, [JSON.stringify(config)], options);
}

/** A kad send with --json against `server`, resolving once its code is known. */
export async function startSend(
  server: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<{ sender: Running; code: string }> {
  const sender = kad(["send", "--json", "--server", server, ...args], options);
  const event = await sender.waitFor((e) => e.event === "code");
  return { sender, code: String(event.code) };
}

let roomCounter = 0;

/** A room name no other test of this run uses. */
export function uniqueRoomName(prefix: string): string {
  roomCounter += 1;
  return `${prefix}-${process.pid}-${roomCounter}`;
}
