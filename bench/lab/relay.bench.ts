/**
 * `npm run bench:relay`: kad send -> kad receive through the namespace lab
 * (test/helpers/net-lab.ts, veth links at memory speed, a real coturn), once
 * relayed through TURN (firewall routers: no direct path) and once direct
 * (one host behind NAT, the other public). Not part of `npm test`: it is a
 * measurement, printed as MB/s per round; the ratio is what matters.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { sha256File, writeRandomFile } from "../../test/helpers/files.js";
import { type LabServices, startLabServices } from "../../test/helpers/lab-services.js";
import { createLab, type Lab } from "../../test/helpers/net-lab.js";
import { kad, startSend } from "../../test/helpers/transfer-cli.js";

const BYTES = Number(process.env.BENCH_RELAY_MIB ?? 32) * 1024 * 1024;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

let dir: string;
let source: string;
let sha256: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kad-relay-bench-"));
  source = join(dir, "source.bin");
  await writeRandomFile(source, BYTES);
  sha256 = await sha256File(source);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function measure(lab: Lab, services: LabServices, round: number) {
  const out = join(dir, `out-${lab.hostA.name}-${round}`);
  const started = performance.now();
  const { sender, code } = await startSend(services.url, [source], { netns: lab.hostA.name });
  const receiver = kad(["receive", "--json", "--server", services.url, "-o", out, code], {
    netns: lab.hostB.name,
  });
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  const seconds = (performance.now() - started) / 1000;
  expect(sent.code, sent.stderr).toBe(0);
  expect(received.code, received.stderr).toBe(0);
  expect(await sha256File(join(out, "source.bin"))).toBe(sha256);
  const path = receiver.events.find((e) => e.event === "path");
  await rm(out, { recursive: true, force: true });
  return { seconds, path: String(path?.path) };
}

async function bench(name: string, sideA: "nat" | "firewall", sideB: "public" | "firewall") {
  const lab = await createLab(sideA, sideB);
  const services = await startLabServices(lab.pub, { turn: true });
  try {
    const rates: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const { seconds, path } = await measure(lab, services, round);
      rates.push(BYTES / 1e6 / seconds);
      process.stdout.write(`${name}: round ${round}, ${path}, ${rates.at(-1)?.toFixed(1)} MB/s\n`);
    }
    return Math.max(...rates);
  } finally {
    await services.close();
    await lab.destroy();
  }
}

it("relayed beside direct", async () => {
  const direct = await bench("direct (NAT + public host)", "nat", "public");
  const relayed = await bench("relayed (firewall routers)", "firewall", "firewall");
  process.stdout.write(
    `${BYTES / 1024 / 1024} MiB, best of ${ROUNDS}: direct ${direct.toFixed(1)} MB/s, relayed ${relayed.toFixed(1)} MB/s (${((relayed / direct) * 100).toFixed(0)} %)\n`,
  );
}, 600_000);
