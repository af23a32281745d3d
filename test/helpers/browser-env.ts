/**
 * Everything a browser test file needs, inside one network namespace: a real
 * `kad serve` (listening on all of the namespace's addresses), Chromium
 * launches, and kad CLI processes that gather ICE candidates on the
 * namespace's veth address (Chromium does not use loopback candidates).
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, vi } from "vitest";
import { type LaunchedChromium, launchChromium } from "./chromium.js";
import { createNetNamespace, type NetNamespace } from "./netns.js";

export const KAD_BIN = resolve(import.meta.dirname, "../../bin/kad");
const LISTEN_TIMEOUT_MS = 15_000;

export interface BrowserEnv {
  namespace: NetNamespace;
  port: number;
  /** Page origin on loopback: a secure context (crypto.subtle, origin-private file system). */
  secureOrigin: string;
  /** Page origin on the veth address: plain http on a LAN address, not a secure context. */
  lanOrigin: string;
  launch(extraFlags?: string[]): Promise<LaunchedChromium>;
  /** `kad ARGS...` inside the namespace, bound to its veth address. */
  kad(
    args: string[],
    options?: { env?: NodeJS.ProcessEnv; stdin?: "pipe" | "ignore" },
  ): ChildProcess;
  /** `node SCRIPT ARGS...` inside the namespace (stdout and stderr piped), `env` added. */
  node(script: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess;
  close(): Promise<void>;
}

/**
 * One environment for the calling test file: started before its tests,
 * closed after them. The returned object is filled in by `beforeAll`.
 */
export function useBrowserEnv(serveArgs: string[] = []): BrowserEnv {
  // Real browsers and transfers on two busy cores: generous, but bounded.
  vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });
  const env = {} as BrowserEnv;
  beforeAll(async () => {
    Object.assign(env, await startBrowserEnv(serveArgs));
  });
  afterAll(() => env.close?.());
  return env;
}

/** `serveArgs` are extra `kad serve` options, e.g. `--limit` overrides. */
export async function startBrowserEnv(serveArgs: string[] = []): Promise<BrowserEnv> {
  const namespace = await createNetNamespace();
  const children = new Set<ChildProcess>();
  const browsers = new Set<LaunchedChromium>();
  const track = (child: ChildProcess) => {
    children.add(child);
    child.once("exit", () => children.delete(child));
    return child;
  };
  try {
    const server = track(
      namespace.spawnInside(
        process.execPath,
        [
          KAD_BIN,
          "serve",
          "--host",
          "0.0.0.0",
          "--port",
          "0",
          "--json",
          "--log-level",
          "warn",
          ...serveArgs,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      ),
    );
    const port = await listeningPort(server);
    return {
      namespace,
      port,
      secureOrigin: `http://127.0.0.1:${port}`,
      lanOrigin: `http://${namespace.address}:${port}`,
      launch: async (extraFlags) => {
        const browser = await launchChromium(namespace, extraFlags);
        browsers.add(browser);
        return browser;
      },
      kad: (args, { env = {}, stdin = "ignore" } = {}) =>
        track(
          namespace.spawnInside(process.execPath, [KAD_BIN, ...args], {
            stdio: [stdin, "pipe", "pipe"],
            env: { ...process.env, KAD_BIND: namespace.address, NO_COLOR: "1", ...env },
          }),
        ),
      node: (script, args, env = {}) =>
        track(
          namespace.spawnInside(process.execPath, [script, ...args], {
            stdio: ["ignore", "pipe", "pipe"],
            env: { ...process.env, ...env },
          }),
        ),
      close: async () => {
        await Promise.all([...browsers].map((browser) => browser.close()));
        await Promise.all([...children].map(stop));
        await namespace.destroy();
      },
    };
  } catch (error) {
    await Promise.all([...children].map(stop));
    await namespace.destroy();
    throw error;
  }
}

async function listeningPort(server: ChildProcess): Promise<number> {
  if (!server.stdout) throw new Error("kad serve has no stdout");
  const lines = createInterface({ input: server.stdout });
  const timer = setTimeout(() => server.kill("SIGKILL"), LISTEN_TIMEOUT_MS);
  try {
    for await (const line of lines) {
      const event = parseJson(line);
      if (event?.event === "listening" && typeof event.url === "string") {
        return Number(new URL(event.url).port);
      }
    }
    throw new Error("kad serve exited before it was listening");
  } finally {
    clearTimeout(timer);
    lines.close();
    server.stdout.resume();
  }
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the child exited. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
