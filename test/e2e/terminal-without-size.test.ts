/**
 * A terminal that reports no size (`script` without a real terminal, some CI
 * runners): kad falls back to plain lines instead of an endless spinner redraw.
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { KAD } from "../helpers/transfer-cli.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

it("a zero-size terminal gets plain lines, not a runaway spinner", async () => {
  const dir = await useTempDir();
  await writeFile(join(dir, "a.txt"), "a");
  // --timeout 2 ends the waiting sender by itself (exit 5).
  const command = `stty rows 0 cols 0; exec ${process.execPath} ${KAD} send --timeout 2 --server ${server.url} a.txt`;
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 1_000_000) child.kill("SIGKILL");
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect(output.length).toBeLessThan(10_000);
  expect(output).toContain("code: ");
  expect(output).toContain("waiting for the receiver...");
  expect(code).toBe(5);
});
