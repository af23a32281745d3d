import { spawnSync } from "node:child_process";
import { expect, it } from "vitest";
import { version } from "../../package.json";

const KAD = new URL("../../bin/kad", import.meta.url).pathname;

function kad(...args: string[]) {
  return spawnSync(process.execPath, [KAD, ...args], { encoding: "utf8", timeout: 20_000 });
}

it("--help teaches usage and exit codes, and exits 0", () => {
  const result = kad("--help");
  expect(result.status).toBe(0);
  expect(result.stdout).toContain("Usage: kad");
  expect(result.stdout).toContain("Exit codes:");
});

it("--version prints the package version", () => {
  const result = kad("--version");
  expect(result.status).toBe(0);
  expect(result.stdout.trim()).toBe(version);
});

it("an unknown command is a usage error with exit code 2", () => {
  const result = kad("frobnicate");
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(/error:/);
  expect(result.stderr).toContain("kad --help");
});
