// The magic-wormhole mailbox (rendezvous) server and transit relay, as Debian
// ships them: twistd plugins of python3-magic-wormhole-mailbox-server and
// magic-wormhole-transit-relay. Both run inside the bench's loopback namespace.
import { spawn } from "node:child_process";
import { join } from "node:path";

const TWISTD = "twistd3";
const STARTUP_TIMEOUT_MS = 30_000;
// wormhole-william offers transit.magic-wormhole.io:4001 as its relay and has
// no flag to change it; the namespace maps the name to 127.0.0.1 and is new
// and empty, so this port is free there.
const TRANSIT_PORT = 4001;

/** Starts `twistd3 plugin args` in the foreground; resolves with its listening port. */
function startTwistd(wrap, plugin, args, cwd) {
  const twistd = [TWISTD, "--nodaemon", "--pidfile=", "--logfile=-", plugin, ...args];
  const [program, ...rest] = [...wrap, ...twistd];
  const child = spawn(program, rest, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const port = new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`no "starting on PORT" line`), STARTUP_TIMEOUT_MS);
    function fail(why) {
      clearTimeout(timer);
      child.kill();
      reject(new Error(`${plugin} did not start (${why}):\n${log}`));
    }
    const onOutput = (data) => {
      log += data.toString();
      const match = / starting on (\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on("data", onOutput);
    child.stderr.on("data", onOutput);
    child.on("error", (error) => fail(error.message));
    child.on("exit", (code) => fail(`exit ${code}`));
  });
  const stopped = new Promise((resolve) => child.on("close", resolve));
  const stop = () => {
    child.kill("SIGTERM");
    return stopped;
  };
  return { port, stop };
}

/** Mailbox on a free port, transit relay on TRANSIT_PORT; `stop` ends both. */
export async function startWormholeServers(wrap, dir) {
  const mailbox = startTwistd(
    wrap,
    "wormhole-mailbox",
    ["--port=tcp:0:interface=127.0.0.1", `--channel-db=${join(dir, "mailbox.sqlite")}`],
    dir,
  );
  const relay = startTwistd(
    wrap,
    "transitrelay",
    [`--port=tcp:${TRANSIT_PORT}:interface=127.0.0.1`],
    dir,
  );
  const stop = () => Promise.all([mailbox.stop(), relay.stop()]);
  try {
    const [mailboxPort, relayPort] = await Promise.all([mailbox.port, relay.port]);
    return {
      relayUrl: `ws://127.0.0.1:${mailboxPort}/v1`,
      transitHelper: `tcp:127.0.0.1:${relayPort}`,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
