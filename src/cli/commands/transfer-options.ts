/** Options `kad send` and `kad receive` share, parsed once: flag > environment > default. */
import { isIP } from "node:net";
import { availableParallelism, networkInterfaces } from "node:os";
import { type Command, InvalidArgumentError, Option } from "commander";
import { MAX_LANES } from "../../protocol/limits.js";
import type { SessionEvent } from "../../session/events.js";
import { isKadError, KadError } from "../../util/errors.js";
import { createReporter } from "../output/reporter.js";

/**
 * After a command finished, native threads or a half-read stdin must not keep
 * the process alive; this much grace lets stdout drain first.
 */
export const EXIT_GRACE_MS = 2_000;

const EXIT_CODES = `
Exit codes: 0 success (the sender only once the receiver confirmed every byte),
1 other failure, 2 usage, 3 server or peer unreachable or the peer left,
4 integrity (size or SHA-256 mismatch), 5 timeout, 6 the code did not match
(a typo, or someone in between; nothing was sent), 130 interrupted (Ctrl-C),
143 terminated (SIGTERM).`;

/** Default --timeout: as long as a room lives. */
export const DEFAULT_TIMEOUT_SECONDS = 1800;

export interface TransferFlags {
  server?: string;
  json?: boolean;
  quiet?: boolean;
  timeout: number;
  ice?: string[];
  bind?: string;
  password?: string;
  /** False with --no-resume. */
  resume: boolean;
  verify?: boolean;
}

/** The longest wait Node's timers can express (2^31-1 ms); longer values are capped to it. */
export const MAX_TIMEOUT_SECONDS = 2_147_483;

/** Seconds, capped at MAX_TIMEOUT_SECONDS; 0 means no limit (Infinity). */
export function parseTimeout(text: string): number {
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds < 0)
    throw new InvalidArgumentError("must be a number of seconds (0 for no limit)");
  if (seconds === 0) return Number.POSITIVE_INFINITY;
  return Math.min(seconds, MAX_TIMEOUT_SECONDS);
}

/** --bind / KAD_BIND: an IP address of this machine (any of 127.0.0.0/8, or 0.0.0.0 / ::). */
export function parseBind(text: string): string {
  const address = text.trim();
  if (isIP(address) === 0) {
    throw new InvalidArgumentError("must be an IP address of this machine, e.g. 127.0.0.1");
  }
  const local =
    /^127\./.test(address) ||
    ["0.0.0.0", "::", "::1"].includes(address) ||
    Object.values(networkInterfaces()).some((list) =>
      list?.some((entry) => entry.address === address.replace(/%.*$/, "")),
    );
  if (!local) throw new InvalidArgumentError(`${address} is not an address of this machine`);
  return address;
}

const ICE_URL =
  /^(stuns?|turns?):([^@\s]+@)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\?transport=(udp|tcp|tls))?$/;

/** --ice: a STUN or TURN URL as libdatachannel takes it, collected into a list. */
export function parseIce(text: string, previous: string[] | undefined): string[] {
  if (!ICE_URL.test(text)) {
    throw new InvalidArgumentError(
      "must be a STUN or TURN URL, e.g. stun:stun.example.org:3478 or turn:user:pass@host:3478",
    );
  }
  return [...(previous ?? []), text];
}

export function parseServer(text: string): string {
  try {
    const url = new URL(text);
    if (url.protocol === "http:" || url.protocol === "https:") return text.replace(/\/+$/, "");
  } catch {}
  throw new InvalidArgumentError("must be an http(s) URL, e.g. http://127.0.0.1:9891");
}

export function addTransferOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--server <url>", "coordinator base URL (default: a server built into kad send)")
        .env("KAD_SERVER")
        .argParser(parseServer),
    )
    .option(
      "--password <password>",
      "room password (env KAD_PASSWORD; argv is visible to other users)",
    )
    .option(
      "--verify",
      "show words derived from the shared key to compare with the other side (kad send asks before sending)",
    )
    .option("--json", "newline-delimited JSON events on stdout")
    .option("-q, --quiet", "print errors only")
    .option(
      "--timeout <seconds>",
      `give up waiting for the other side after this long (0: never; at most ${MAX_TIMEOUT_SECONDS})`,
      parseTimeout,
      DEFAULT_TIMEOUT_SECONDS,
    )
    .option(
      "--ice <url>",
      "STUN/TURN server, repeatable (default: none on loopback or LAN, else stun:stun.l.google.com:19302)",
      parseIce,
    )
    .addOption(
      new Option(
        "--bind <address>",
        "gather ICE candidates on this address only (default 127.0.0.1 when the server is on loopback)",
      )
        .env("KAD_BIND")
        .argParser(parseBind),
    )
    .option(
      "--no-resume",
      "neither keep an interrupted file's partial nor continue one (default: a later transfer of the same file continues where it stopped)",
    )
    .helpOption("-h, --help", "show help")
    .addHelpText("afterAll", EXIT_CODES)
    .exitOverride();
}

export function passwordOf(flags: TransferFlags, env: NodeJS.ProcessEnv): string | undefined {
  return flags.password ?? (env.KAD_PASSWORD || undefined);
}

/**
 * Extra connections to stripe large files over: KAD_LANES (0 to MAX_LANES),
 * by default one less than the CPU cores (each association's packets are
 * handled on one thread; measured on 2 cores: one lane +5 %, two or three
 * cost the receiver CPU and were slower than none).
 */
export function lanesOf(env: NodeJS.ProcessEnv, cores = availableParallelism()): number {
  const text = env.KAD_LANES;
  if (text === undefined || text === "") return Math.min(MAX_LANES, Math.max(0, cores - 1));
  const lanes = Number(text);
  if (!Number.isInteger(lanes) || lanes < 0 || lanes > MAX_LANES) {
    throw usage(
      `KAD_LANES=${text}: give a whole number from 0 to ${MAX_LANES}`,
      `0 keeps every byte on one connection; unset, kad uses one less than the CPU cores, at most ${MAX_LANES}.`,
    );
  }
  return lanes;
}

/** The session settings send and receive share, resolved once (flag > env > default). */
export function sharedSessionConfig(flags: TransferFlags) {
  return {
    lanes: lanesOf(process.env),
    server: flags.server,
    password: passwordOf(flags, process.env),
    iceServers: flags.ice ?? [],
    bind: flags.bind,
    timeoutMs: flags.timeout * 1000,
    resume: flags.resume,
    verify: Boolean(flags.verify),
    env: process.env,
  };
}

/**
 * Runs a session with a reporter and Ctrl-C handling: the first Ctrl-C cancels
 * and cleans up (exit 130), a second one exits at once.
 */
export async function runWithReporter<T>(
  flags: TransferFlags,
  role: "send" | "receive",
  run: (emit: (event: SessionEvent) => void, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const reporter = await createReporter({
    json: Boolean(flags.json),
    quiet: Boolean(flags.quiet),
    role,
  });
  const controller = new AbortController();
  let terminated = false;
  const interrupt = (signal: NodeJS.Signals) => {
    terminated = signal === "SIGTERM";
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
    process.once("SIGINT", () => process.exit(130));
    controller.abort();
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  try {
    return await run((event) => reporter.event(event), controller.signal);
  } catch (error) {
    const failure =
      terminated && isKadError(error) && error.code === "INTERRUPTED"
        ? new KadError("TERMINATED", "terminated (SIGTERM)", {
            hint: "Nothing was left half-written.",
          })
        : error;
    reporter.failed(failure);
    throw failure;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
    // The session is over but the process may still be closing its connections:
    // a signal now exits with the session's own code, not as killed by it.
    process.once("SIGINT", exitNow);
    process.once("SIGTERM", exitNow);
    reporter.close();
    setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  }
}

function exitNow(): void {
  process.exit();
}

export function usage(message: string, hint?: string): KadError {
  return new KadError("USAGE", message, hint ? { hint } : {});
}
