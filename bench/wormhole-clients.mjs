// One transfer with each magic-wormhole client (Python `wormhole` from the
// magic-wormhole package, Go `wormhole-william`), sender and receiver started
// together with the same fixed code, inside the loopback namespace and
// pointed at the bench's own mailbox server and transit relay.
import { basename, join } from "node:path";
import { allExited, spawnMeasured } from "./measure.mjs";

let transfers = 0;

function uniqueCode() {
  transfers += 1;
  return `${transfers}-kad-bench`;
}

/** Starts one side measured, keeping its output to show if the transfer fails. */
function startSide(command, args, { wrap, dir, cwd, input }) {
  const run = spawnMeasured(command, args, { dir, wrap, cwd, stdio: "pipe" });
  let output = "";
  run.child.stdout.on("data", (data) => {
    output += data;
  });
  run.child.stderr.on("data", (data) => {
    output += data;
  });
  run.child.stdin.end(input ?? "");
  return { ...run, output: () => output };
}

const CLIENTS = {
  // `wormhole send` -> `wormhole receive -o outDir/NAME` (a file or a directory).
  "magic-wormhole": {
    program: "wormhole",
    global: (servers) => [
      "--relay-url",
      servers.relayUrl,
      "--transit-helper",
      servers.transitHelper,
    ],
    receive: (code, source, outDir) => [
      "receive",
      "--accept-file",
      "--hide-progress",
      "-o",
      join(outDir, basename(source)),
      code,
    ],
    receiveIn: () => undefined,
    answer: "",
  },
  // wormhole-william receives into its working directory after "ok? (y/N)".
  "wormhole-william": {
    program: "wormhole-william",
    global: (servers) => ["--relay-url", servers.relayUrl],
    receive: (code) => ["receive", "--hide-progress", code],
    receiveIn: (outDir) => outDir,
    answer: "y\n",
  },
};

export const WORMHOLE_CLIENTS = Object.keys(CLIENTS);
export const wormholeProgram = (name) => CLIENTS[name].program;

/** Moves source into outDir with the named client. */
export async function wormholeTransfer(name, { wrap, servers, source, outDir, dir, timeoutMs }) {
  const client = CLIENTS[name];
  const code = uniqueCode();
  const global = client.global(servers);
  const startedAt = performance.now();
  const sender = startSide(
    client.program,
    [...global, "send", "--code", code, "--hide-progress", source],
    { wrap, dir },
  );
  const receiver = startSide(client.program, [...global, ...client.receive(code, source, outDir)], {
    wrap,
    dir,
    cwd: client.receiveIn(outDir),
    input: client.answer,
  });
  try {
    const [sent, received] = await allExited([sender, receiver], { timeoutMs, label: name });
    return { wallMs: performance.now() - startedAt, sender: sent, receiver: received };
  } catch (error) {
    error.message += `\n--- sender\n${sender.output()}\n--- receiver\n${receiver.output()}`;
    throw error;
  }
}
