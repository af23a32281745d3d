/**
 * Firewall lab: each host sits behind a router that forwards only traffic to
 * and from the public server, so the hosts have no direct path: a delivery
 * here went through coturn, and the reported path must say so. (coturn's own
 * per-allocation counters are only logged when an allocation ends, which a
 * closed libdatachannel peer does not always do promptly.) With the relayed
 * ports blocked at first, kad's first attempt fails and its relay-only retry
 * must reach the page as the same transfer. Without TURN both sides give up
 * fast.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { RELAY_RETRY_STATUS } from "../../src/session/peer-connect.js";
import { openPage, saveAll, waitForTransfers } from "../helpers/browser.js";
import { launchChromium } from "../helpers/chromium.js";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { type LabServices, RELAY_PORTS, startLabServices } from "../helpers/lab-services.js";
import { createLab, type Lab } from "../helpers/net-lab.js";
import { kad, startSend } from "../helpers/transfer-cli.js";

vi.setConfig({ testTimeout: 90_000, hookTimeout: 30_000 });

const FILE_BYTES = 2 * 1024 * 1024;
const run = promisify(execFile);

describe("firewall routers: no direct path between the hosts", () => {
  let lab: Lab;
  let dir: string;
  beforeAll(async () => {
    lab = await createLab("firewall", "firewall");
    dir = await mkdtemp(join(tmpdir(), "kad-lab-"));
  });
  afterAll(async () => {
    await lab?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it("with TURN on kad serve: kad send -> kad receive delivers through the relay", async () => {
    const services = await startLabServices(lab.pub, { turn: true });
    try {
      const file = join(dir, "relayed.bin");
      await writeRandomFile(file, FILE_BYTES);
      const sha256 = await sha256File(file);
      const out = join(dir, "out-relay");
      const { sender, code } = await startSend(services.url, [file], { netns: lab.hostA.name });
      const receiver = kad(["receive", "--json", "--server", services.url, "-o", out, code], {
        netns: lab.hostB.name,
      });
      const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
      expect(sent.code, sent.stderr).toBe(0);
      expect(received.code, received.stderr).toBe(0);
      expect(await sha256File(join(out, "relayed.bin"))).toBe(sha256);
      for (const events of [sender.events, receiver.events]) {
        const path = events.find((e) => e.event === "path");
        expect(path, JSON.stringify(path)).toMatchObject({ path: "relay", via: "198.18.100.1" });
      }
    } finally {
      await services.close();
    }
  });

  it("with TURN on kad serve: kad send -> the web page delivers through the relay", async () => {
    const services = await startLabServices(lab.pub, { turn: true });
    const browser = await launchChromium(lab.hostB);
    try {
      const file = join(dir, "to-page.bin");
      await writeRandomFile(file, FILE_BYTES);
      const { sender, code } = await startSend(services.url, [file], { netns: lab.hostA.name });
      const page = await openPage(browser.context, `${services.url}/#/${code}`);
      await waitForTransfers(page, "receive", 1, 60_000);
      expect((await sender.exited).code).toBe(0);
      expect(await saveAll(page)).toEqual(new Map([["to-page.bin", await sha256File(file)]]));
      expect(sender.events.find((e) => e.event === "path")).toMatchObject({ path: "relay" });
      // The page asked for credentials too, not only kad send.
      expect(await services.metric("kad_turn_credentials_total")).toBe(2);
    } finally {
      await browser.close();
      await services.close();
    }
  });

  it("kad's first attempt finds no path: its relay-only retry reaches the page, in the same row", async () => {
    const services = await startLabServices(lab.pub, { turn: true });
    const browser = await launchChromium(lab.hostB);
    const unblock = await blockRelayedPaths(lab);
    try {
      const file = join(dir, "retried.bin");
      await writeRandomFile(file, FILE_BYTES);
      // Plain output, to read the status line kad prints when it retries.
      const code = "lab-retry-piano-oak";
      const sender = kad(["send", "--server", services.url, "--code", code, file], {
        netns: lab.hostA.name,
        json: false,
      });
      await until(() => sender.stderr().includes(`code: ${code}`), "kad send's code");
      const page = await openPage(browser.context, `${services.url}/#/${code}`);
      // kad's prepared peer and the page's first connection allocate; the
      // third allocation is kad's second attempt, made once it gave up the first.
      await waitForAllocations(services, 3);
      await unblock();
      await waitForTransfers(page, "receive", 1, 60_000);
      const sent = await sender.exited;
      expect(sent.code, sent.stderr).toBe(0);
      expect(await page.locator(".transfer[data-direction=receive]").count()).toBe(1);
      expect(await saveAll(page)).toEqual(new Map([["retried.bin", await sha256File(file)]]));
      expect(sent.stderr).toContain(`${RELAY_RETRY_STATUS}...`);
      expect(sent.stderr).toContain("path: relayed through the TURN server 198.18.100.1");
    } finally {
      await unblock();
      await browser.close();
      await services.close();
    }
  });

  it("without TURN: both sides exit 3 within 90 s, name the cause, and write nothing", async () => {
    const services = await startLabServices(lab.pub, { turn: false });
    try {
      const file = join(dir, "stuck.bin");
      await writeRandomFile(file, FILE_BYTES);
      const out = join(dir, "out-none");
      const started = Date.now();
      const { sender, code } = await startSend(services.url, [file], { netns: lab.hostA.name });
      const receiver = kad(["receive", "--json", "--server", services.url, "-o", out, code], {
        netns: lab.hostB.name,
      });
      const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
      expect(Date.now() - started).toBeLessThan(90_000);
      expect(sent.code, sent.stderr).toBe(3);
      expect(received.code, received.stderr).toBe(3);
      for (const result of [sent, received]) expect(result.stderr).toMatch(/no TURN relay/);
      expect(await readdir(out).catch(() => [])).toEqual([]);
    } finally {
      await services.close();
    }
  });
});

/** Drops every packet to coturn's relayed ports: with no direct path either, nothing connects. */
async function blockRelayedPaths(lab: Lab): Promise<() => Promise<void>> {
  const rule = ["INPUT", "-p", "udp", "--dport", RELAY_PORTS, "-j", "DROP"];
  await run(...lab.pub.wrap("iptables", ["-A", ...rule]));
  let blocked = true;
  return async () => {
    if (!blocked) return;
    blocked = false;
    await run(...lab.pub.wrap("iptables", ["-D", ...rule]));
  };
}

async function waitForAllocations(services: LabServices, count: number): Promise<void> {
  const allocations = () => services.turnLog().match(/ALLOCATE processed, success/g)?.length ?? 0;
  await until(() => allocations() >= count, `${count} TURN allocations`, services.turnLog);
}

async function until(done: () => boolean, what: string, context = () => ""): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} did not come within 30 s\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
