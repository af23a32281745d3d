/**
 * NAT labs: routers that MASQUERADE like most home routers. Behind two of
 * them Linux conntrack defeats hole punching, and the mixed ICE attempt does
 * not connect even with TURN; kad then tries relayed candidates only. With one
 * host on the public segment, the STUN-discovered address gives a direct path.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { startLabServices } from "../helpers/lab-services.js";
import { createLab, type Lab } from "../helpers/net-lab.js";
import { kad, startSend } from "../helpers/transfer-cli.js";

vi.setConfig({ testTimeout: 90_000, hookTimeout: 30_000 });

const FILE_BYTES = 2 * 1024 * 1024;

async function transfer(lab: Lab, dir: string, name: string) {
  const services = await startLabServices(lab.pub, { turn: true });
  try {
    const file = join(dir, name);
    await writeRandomFile(file, FILE_BYTES);
    const out = join(dir, `out-${name}`);
    const { sender, code } = await startSend(services.url, [file], { netns: lab.hostA.name });
    const receiver = kad(["receive", "--json", "--server", services.url, "-o", out, code], {
      netns: lab.hostB.name,
    });
    const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(received.code, received.stderr).toBe(0);
    expect(await sha256File(join(out, name))).toBe(await sha256File(file));
    return { sender, receiver };
  } finally {
    await services.close();
  }
}

describe("NAT labs", () => {
  let dir: string;
  const labs: Lab[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kad-lab-"));
  });
  afterAll(async () => {
    for (const lab of labs) await lab.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it("both hosts behind NAT: TURN on kad serve delivers, relayed", async () => {
    const lab = await createLab("nat", "nat");
    labs.push(lab);
    const { sender, receiver } = await transfer(lab, dir, "double-nat.bin");
    for (const events of [sender.events, receiver.events]) {
      expect(events.find((e) => e.event === "path")).toMatchObject({ path: "relay" });
    }
  });

  it("one host behind NAT, the other public: direct through the NAT's mapping", async () => {
    const lab = await createLab("nat", "public");
    labs.push(lab);
    const { sender, receiver } = await transfer(lab, dir, "one-nat.bin");
    const senderPath = sender.events.find((e) => e.event === "path");
    const receiverPath = receiver.events.find((e) => e.event === "path");
    expect(senderPath).toMatchObject({ path: "direct", route: "nat" });
    expect(receiverPath).toMatchObject({ path: "direct", route: "nat" });
    // The STUN-discovered address, or (in about 1 run of 6) the same public
    // address with another port: the NAT mapped the peer's flow anew.
    expect(["srflx", "prflx"]).toContain(receiverPath?.remote);
  });
});
