/**
 * Codes as people pass them on: capitals (phones capitalize) and spaces still
 * find the transfer; a password-protected code says the receiver needs it too.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningServer, startSignalingServer } from "../../signaling-server/src/index.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { kad, startSend } from "../helpers/transfer-cli.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startSignalingServer({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await server?.close();
});

it("a generated code typed in capitals with spaces is found", async () => {
  const dir = await useTempDir();
  await mkdir(join(dir, "out"));
  await writeFile(join(dir, "a.txt"), "hello");
  const { sender, code } = await startSend(server.url, ["a.txt"], { cwd: dir });
  const typed = ` ${code.toUpperCase().replaceAll("-", " ")} `;
  const receiver = kad(["receive", "--json", "--server", server.url, "-o", "out", typed], {
    cwd: dir,
  });
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  expect(received.stderr).toBe("");
  expect(received.code).toBe(0);
  expect(sent.code).toBe(0);
  expect(await readFile(join(dir, "out", "a.txt"), "utf8")).toBe("hello");
});

it("a sender with a password says the receiver needs it too", async () => {
  const dir = await useTempDir();
  await writeFile(join(dir, "a.txt"), "hello");
  const { sender } = await startSend(server.url, ["--password", "s3cret", "a.txt"], { cwd: dir });
  const codeEvent = await sender.waitFor((event) => event.event === "code");
  sender.child.kill("SIGINT");
  await sender.exited;
  expect(codeEvent.password).toBe(true);
  expect(JSON.stringify(codeEvent)).not.toContain("s3cret");

  const plain = kad(["send", "--server", server.url, "a.txt"], {
    cwd: dir,
    json: false,
    env: { KAD_PASSWORD: "s3cret" },
  });
  let stderr = "";
  await new Promise<void>((resolve) => {
    plain.child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("or open:")) resolve();
    });
  });
  plain.child.kill("SIGINT");
  await plain.exited;
  expect(stderr).toContain("(the receiver needs the password too: --password, or KAD_PASSWORD");
});

it("a chosen code used a moment ago says it stays taken for a while", async () => {
  const dir = await useTempDir();
  await writeFile(join(dir, "a.txt"), "hello");
  const { sender } = await startSend(server.url, ["--code", "qa-room-one-again", "a.txt"], {
    cwd: dir,
  });
  sender.child.kill("SIGINT");
  await sender.exited;
  const again = await kad(
    ["send", "--server", server.url, "--code", "qa-room-one-again", "a.txt"],
    {
      cwd: dir,
      json: false,
    },
  ).exited;
  expect(again.code).toBe(1);
  expect(again.stderr).toContain("kad: the code qa-room-one-again is in use or was used recently");
  expect(again.stderr).toContain("stays taken for 30 minutes");
});
