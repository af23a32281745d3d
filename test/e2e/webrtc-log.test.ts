/**
 * KAD_WEBRTC_LOG turns on libdatachannel's own log on stderr, for diagnosing
 * connections; stdout (--json) stays clean, and an unknown level is ignored.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { writeRandomFile } from "../helpers/files.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, startSend } from "../helpers/transfer-cli.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

async function transferWithLog(level: string) {
  const dir = await useTempDir();
  await writeRandomFile(join(dir, "a.bin"), 10_000);
  const { sender, code } = await startSend(server.url, ["a.bin"], {
    cwd: dir,
    env: { KAD_WEBRTC_LOG: level },
  });
  const receiver = kad(["receive", "--json", "--server", server.url, "-o", "out", code], {
    cwd: dir,
  });
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  expect(received.code, received.stderr).toBe(0);
  expect(sent.code, sent.stderr).toBe(0);
  return { sent, events: sender.events };
}

describe("KAD_WEBRTC_LOG", () => {
  it("=info writes libdatachannel's log lines on stderr, never on stdout", async () => {
    const { sent, events } = await transferWithLog("info");
    expect(sent.stderr).toMatch(/^\d+ ms webrtc Info: .*Changed state to connected/m);
    expect(events.map((e) => e.event)).toContain("done");
  });

  it("an unknown level is ignored", async () => {
    const { sent } = await transferWithLog("chatty");
    expect(sent.stderr).not.toContain("webrtc");
  });
});
