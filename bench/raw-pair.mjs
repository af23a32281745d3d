// Runs two bench/raw-peer.mjs processes against each other and relays their
// signaling, so a file crosses a real WebRTC data channel between two real
// processes. Resolves with both peers' results and a promise of both exits.
// `prefix(role)` may put a command in front of each peer's node (GNU time).
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { signalChildren } from "./processes.mjs";

const PEER_SCRIPT = fileURLToPath(new URL("./raw-peer.mjs", import.meta.url));

function forkPeer(role, file, prefix, mtu) {
  const env = { ...process.env, ...(mtu ? { BENCH_SCTP_MTU: String(mtu) } : {}) };
  if (!prefix) return fork(PEER_SCRIPT, [role, file], { stdio: "inherit", env });
  const [execPath, ...execArgv] = [...prefix, process.execPath];
  return fork(PEER_SCRIPT, [role, file], { stdio: "inherit", execPath, execArgv, env });
}

// With a prefix the child is that command (it ignores nothing we need to
// stop): signal the peer beneath it too.
function kill(child) {
  signalChildren(child.pid, "SIGTERM");
  child.kill();
}

/**
 * The peers never connected. libdatachannel can lose a race when ICE
 * connects inside setRemoteDescription, before the peer's fingerprint is
 * stored, and DTLS then refuses the peer (kad retries such an attempt, see
 * src/session/peer-connect.ts); `connectionFailed` marks it for a caller that
 * wants to try again.
 */
function connectionFailed(states) {
  return Object.assign(new Error(`raw peers did not connect; states: ${JSON.stringify(states)}`), {
    connectionFailed: true,
  });
}

// `mtu`: the SCTP MTU of both peers (default: libdatachannel's 1200).
export function runRawTransfer(sourceFile, targetFile, { timeoutMs = 50_000, prefix, mtu } = {}) {
  const sender = forkPeer("send", sourceFile, prefix?.("sender"), mtu);
  const receiver = forkPeer("receive", targetFile, prefix?.("receiver"), mtu);
  const exited = Promise.all(
    [sender, receiver].map((child) => new Promise((resolve) => child.on("close", resolve))),
  );
  const results = {};
  const states = { sender: [], receiver: [] };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => stop(new Error(`raw transfer timed out; peer states: ${JSON.stringify(states)}`)),
      timeoutMs,
    );
    function stop(error) {
      clearTimeout(timer);
      kill(sender);
      kill(receiver);
      reject(error);
    }
    const ready = new Map([
      [sender, false],
      [receiver, false],
    ]);
    const backlog = new Map([
      [sender, []],
      [receiver, []],
    ]);
    function deliver(to, message) {
      if (!ready.get(to)) backlog.get(to).push(message);
      else if (to.connected) to.send(message);
    }
    function relay(from, to, name) {
      from.on("message", (message) => {
        if (message.kind === "ready") {
          ready.set(from, true);
          for (const queued of backlog.get(from).splice(0)) deliver(from, queued);
        } else if (message.kind === "state") {
          states[name].push(message.state);
          if (message.state === "failed") stop(connectionFailed(states));
        } else if (message.kind === "result") {
          results[name] = message;
          if (results.sender && results.receiver) {
            clearTimeout(timer);
            resolve({ ...results, exited });
          }
        } else if (message.kind === "error") {
          stop(new Error(`${name}: ${message.message}`));
        } else {
          deliver(to, message);
        }
      });
      from.on("exit", (code, signal) => {
        if (!results[name]) stop(new Error(`${name} exited early (code ${code}, ${signal})`));
      });
    }
    relay(sender, receiver, "sender");
    relay(receiver, sender, "receiver");
  });
}
