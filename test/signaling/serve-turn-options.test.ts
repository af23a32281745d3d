/** `kad serve --turn-url/--turn-secret-file`: what a wrong TURN set-up says, and the secret kept out of argv. */
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { resolveServeConfig } from "../../signaling-server/src/cli/serve-options.js";
import { useTempDir } from "../helpers/temp-dir.js";

const KAD = new URL("../../bin/kad", import.meta.url).pathname;

function serve(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(
    process.execPath,
    [KAD, "serve", "--host", "127.0.0.1", "--port", "0", ...args],
    {
      encoding: "utf8",
      env: { ...process.env, ...env },
      timeout: 15_000,
    },
  );
}

it.each<[string, string[], RegExp, NodeJS.ProcessEnv?]>([
  [
    "a URL without a secret",
    ["--turn-url", "turn:turn.example.org:3478"],
    /TURN needs both --turn-url and a secret/,
  ],
  ["a secret without a URL", [], /TURN needs both/, { KAD_TURN_SECRET: "s" }],
  [
    "credentials inside the URL",
    ["--turn-url", "turn:user:pass@turn.example.org"],
    /must be a turn: or turns: URL/,
  ],
  [
    "a missing secret file",
    ["--turn-url", "turn:h:3478", "--turn-secret-file", "/nonexistent/secret"],
    /cannot read the TURN secret file/,
  ],
  [
    "a TTL under a minute",
    ["--turn-url", "turn:h:3478", "--turn-ttl", "5"],
    /must be seconds from 60/,
  ],
])("%s is a usage error (exit 2)", (_, args, message, env = {}) => {
  const result = serve(args, env);
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(message);
});

it("reads the secret from a file or the environment; flags win over KAD_TURN_URLS", async () => {
  const file = join(await useTempDir("kad-turn-"), "secret");
  await writeFile(file, "from-file\n");
  const env = { KAD_TURN_URLS: "turn:a:3478,turns:a:5349", KAD_TURN_SECRET: "from-env" };
  expect(resolveServeConfig({}, env, undefined).turn).toEqual({
    urls: ["turn:a:3478", "turns:a:5349"],
    secret: "from-env",
    ttlSeconds: 3600,
  });
  const flagged = resolveServeConfig(
    { turnUrl: ["turn:b:3478"], turnSecretFile: file },
    env,
    undefined,
  );
  expect(flagged.turn).toEqual({ urls: ["turn:b:3478"], secret: "from-file", ttlSeconds: 3600 });
  expect(resolveServeConfig({}, {}, undefined).turn).toBeUndefined();
});
