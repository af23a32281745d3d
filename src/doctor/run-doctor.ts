/**
 * `kad doctor` as a programmatic API: what a transfer through this server
 * needs, checked in order, each with a verdict and what it found.
 *
 *   server (GET /healthz) -> websocket (join a throw-away room, ask kad.ice)
 *   -> stun (reflexive address; symmetric NAT when it differs per server)
 *   -> turn (an allocation with the server's credentials)
 */
import { generateCode } from "../code/share-code.js";
import { createRoom } from "../protocol/coordinator-client.js";
import { requestServerIce } from "../protocol/ice-servers-client.js";
import type { GrantedIceServer } from "../protocol/ice-servers-message.js";
import { newId } from "../protocol/mop-rpc.js";
import { nodeFetch, openSignaling } from "../session/connections.js";
import { isLoopbackUrl } from "../session/ice.js";
import { toNativeIceServers } from "../webrtc/ice-servers.js";
import { parseStunUrl, probeStun } from "./stun-probe.js";
import { probeTurn } from "./turn-probe.js";

/** Each network step's bound: the whole run stays within a few seconds. */
export const DOCTOR_STEP_MS = 3_000;

export type CheckName = "server" | "websocket" | "stun" | "nat" | "turn";

export interface Check {
  name: CheckName;
  /** null: not checked (nothing to check it with). */
  ok: boolean | null;
  detail: string;
}

export interface DoctorReport {
  server: string;
  ok: boolean;
  checks: Check[];
}

export interface DoctorConfig {
  server: string;
  /** --ice STUN URLs, compared with the server's for the symmetric NAT check. */
  iceServers: string[];
}

export async function runDoctor(config: DoctorConfig): Promise<DoctorReport> {
  const checks: Check[] = [];
  const server = await checkServer(config.server);
  checks.push(server);
  if (!server.ok) return report(config.server, checks);
  const { check: websocket, granted } = await checkWebSocket(config.server);
  checks.push(websocket);
  if (!websocket.ok) return report(config.server, checks);
  checks.push(...(await checkStun(granted, config.iceServers)));
  checks.push(await checkTurn(granted));
  return report(config.server, checks);
}

/**
 * A transfer can work when the server is reachable and either a relay is
 * there, or the peers can meet directly: on a local server, or with a
 * reflexive address that does not change per destination.
 */
function report(server: string, checks: Check[]): DoctorReport {
  const verdict = (name: CheckName) => checks.find((check) => check.name === name)?.ok;
  const reachable = verdict("server") === true && verdict("websocket") === true;
  const direct = isLoopbackUrl(server) || (verdict("stun") === true && verdict("nat") !== false);
  return { server, ok: reachable && (verdict("turn") === true || direct), checks };
}

async function checkServer(server: string): Promise<Check> {
  const started = Date.now();
  try {
    const response = await fetch(new URL("/healthz", server), {
      signal: AbortSignal.timeout(DOCTOR_STEP_MS),
    });
    if (!response.ok) return { name: "server", ok: false, detail: `answered ${response.status}` };
    return { name: "server", ok: true, detail: `answers (${Date.now() - started} ms)` };
  } catch (error) {
    return { name: "server", ok: false, detail: `no answer: ${(error as Error).message}` };
  }
}

async function checkWebSocket(
  server: string,
): Promise<{ check: Check; granted: GrantedIceServer[] }> {
  const username = `kad-doctor-${newId().slice(0, 8)}`;
  const roomname = `doctor-${generateCode().replace(/[^a-z0-9-]/gi, "")}`;
  let signaling: Awaited<ReturnType<typeof openSignaling>> | undefined;
  try {
    const uri = await createRoom(nodeFetch, server, { username, roomname });
    signaling = await openSignaling(uri);
    await signaling.join({ username, roomname });
    const reply = await requestServerIce(signaling.rpc, DOCTOR_STEP_MS);
    const relays = reply.iceServers.filter((entry) => entry.urls.some((u) => /^turns?:/.test(u)));
    const offered =
      relays.length > 0 ? `; TURN credentials for ${reply.ttlSeconds} s` : "; no TURN offered";
    return {
      check: { name: "websocket", ok: true, detail: `joined a room${offered}` },
      granted: reply.iceServers,
    };
  } catch (error) {
    return {
      check: { name: "websocket", ok: false, detail: (error as Error).message },
      granted: [],
    };
  } finally {
    signaling?.close();
  }
}

async function checkStun(granted: GrantedIceServer[], extra: string[]): Promise<Check[]> {
  const urls = [...new Set([...granted.flatMap((entry) => entry.urls), ...extra])];
  const targets = urls.flatMap((url) => parseStunUrl(url) ?? []);
  if (targets.length === 0) {
    return [
      {
        name: "stun",
        ok: null,
        detail: "no STUN server to ask (the server offers none; add --ice stun:HOST)",
      },
      { name: "nat", ok: null, detail: "not checked" },
    ];
  }
  const answers = await probeStun(targets, DOCTOR_STEP_MS);
  const mapped = answers.flatMap((answer) => answer.mapped ?? []);
  if (mapped.length === 0) {
    return [
      { name: "stun", ok: false, detail: "no STUN answer: UDP is likely blocked" },
      { name: "nat", ok: null, detail: "not checked" },
    ];
  }
  const stun: Check = { name: "stun", ok: true, detail: `this machine appears as ${mapped[0]}` };
  const distinct = new Set(mapped);
  if (mapped.length < 2)
    return [
      stun,
      { name: "nat", ok: null, detail: "one STUN server only: symmetric NAT not checked" },
    ];
  if (distinct.size > 1) {
    return [
      stun,
      {
        name: "nat",
        ok: false,
        detail: `symmetric NAT: the address changes per destination (${[...distinct].join(", ")}); direct paths will fail, a relay is needed`,
      },
    ];
  }
  return [stun, { name: "nat", ok: true, detail: "the same address for every destination" }];
}

async function checkTurn(granted: GrantedIceServer[]): Promise<Check> {
  const relays = toNativeIceServers(granted).filter((server) => typeof server !== "string");
  const first = relays[0];
  if (!first) return { name: "turn", ok: null, detail: "the server offers no TURN relay" };
  const relayed = await probeTurn(first, DOCTOR_STEP_MS);
  if (!relayed) {
    return {
      name: "turn",
      ok: false,
      detail: "no allocation: the TURN server is unreachable or refused the credentials",
    };
  }
  return { name: "turn", ok: true, detail: `allocated a relay address ${relayed}` };
}
