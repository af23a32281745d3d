/** `kad doctor` from a host behind a NAT router, against kad serve with and without TURN. */
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { startLabServices } from "../helpers/lab-services.js";
import { createLab, type Lab } from "../helpers/net-lab.js";
import { kad } from "../helpers/transfer-cli.js";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 });

let lab: Lab;
beforeAll(async () => {
  lab = await createLab("nat", "nat");
});
afterAll(() => lab?.destroy());

it("with TURN: every check passes, the mapped address is the router's, exit 0", async () => {
  const services = await startLabServices(lab.pub, { turn: true });
  try {
    const doctor = kad(["doctor", "--json", "--server", services.url], { netns: lab.hostA.name });
    const result = await doctor.exited;
    expect(result.code, result.stderr).toBe(0);
    const report = doctor.events.find((e) => e.event === "doctor");
    expect(report).toMatchObject({ ok: true, server: services.url });
    const checks = new Map(
      ((report?.checks ?? []) as { name: string; ok: boolean | null; detail: string }[]).map(
        (c) => [c.name, c],
      ),
    );
    expect(checks.get("server")?.ok).toBe(true);
    expect(checks.get("websocket")?.ok).toBe(true);
    expect(checks.get("stun")).toMatchObject({
      ok: true,
      detail: expect.stringContaining("198.18.100.2:"),
    });
    expect(checks.get("turn")).toMatchObject({
      ok: true,
      detail: expect.stringContaining("198.18.100.1:"),
    });
  } finally {
    await services.close();
  }
});

it("without TURN behind NAT: says a relay is needed and exits 3; plain lines on stderr", async () => {
  const services = await startLabServices(lab.pub, { turn: false });
  try {
    const doctor = kad(["doctor", "--server", services.url], {
      netns: lab.hostA.name,
      json: false,
    });
    const result = await doctor.exited;
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^ok {3}server/m);
    expect(result.stderr).toMatch(/^-- {3}turn {6}the server offers no TURN relay/m);
    expect(result.stderr).toMatch(/need a TURN relay/);
  } finally {
    await services.close();
  }
});
