/**
 * Credentials in the form kad serve hands out (turnPassword is checked against
 * openssl in test/unit/turn) are the ones coturn checks: fresh ones allocate a
 * relay, expired or forged ones are refused by coturn itself. (That kad serve
 * gives them only to members: test/signaling/turn-credentials.test.ts.)
 */
import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type LabServices, startLabServices } from "../helpers/lab-services.js";
import { createLab, type Lab, SERVER_ADDRESS } from "../helpers/net-lab.js";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 });

const run = promisify(execFile);

/** One allocation with turnutils_uclient (from the coturn package); its exit code and output. */
async function allocate(lab: Lab, username: string, password: string) {
  const args = ["-y", "-n", "1", "-m", "1", "-l", "100", "-u", username, "-w", password];
  const [command, argv] = lab.hostA.wrap("turnutils_uclient", [...args, SERVER_ADDRESS]);
  return run(command, argv, { timeout: 20_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? -1,
      output: (error.stdout ?? "") + (error.stderr ?? ""),
    }),
  );
}

function signed(expiresAt: number, secret: string) {
  const username = `${expiresAt}:lab`;
  return { username, password: createHmac("sha1", secret).update(username).digest("base64") };
}

describe("TURN credentials", () => {
  let lab: Lab;
  let services: LabServices;
  beforeAll(async () => {
    lab = await createLab("firewall", "firewall");
    services = await startLabServices(lab.pub, { turn: true });
  });
  afterAll(async () => {
    await services?.close();
    await lab?.destroy();
  });

  it("coturn allocates with fresh credentials, refuses expired and forged ones", async () => {
    const now = Math.floor(Date.now() / 1000);
    const fresh = signed(now + 600, services.secret);
    const expired = signed(now - 60, services.secret);
    const forged = signed(now + 600, "not-the-secret");
    const results = {
      fresh: await allocate(lab, fresh.username, fresh.password),
      expired: await allocate(lab, expired.username, expired.password),
      forged: await allocate(lab, forged.username, forged.password),
    };
    expect(results.fresh.code, results.fresh.output).toBe(0);
    expect(results.expired.code).not.toBe(0);
    expect(results.expired.output).toMatch(/Cannot complete Allocation/);
    expect(results.forged.code).not.toBe(0);
    expect(results.forged.output).toMatch(/Cannot complete Allocation/);
  });
});
