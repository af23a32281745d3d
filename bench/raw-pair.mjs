// Runs two bench/raw-peer.mjs processes against each other and relays their
// signaling, so a file crosses a real WebRTC data channel between two real
// processes. Resolves with both peers' results.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const PEER_SCRIPT = fileURLToPath(new URL("./raw-peer.mjs", import.meta.url));

export function runRawTransfer(sourceFile, targetFile, { timeoutMs = 50_000 } = {}) {
  const sender = fork(PEER_SCRIPT, ["send", sourceFile], { stdio: "inherit" });
  const receiver = fork(PEER_SCRIPT, ["receive", targetFile], { stdio: "inherit" });
  const results = {};
  const states = { sender: [], receiver: [] };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => stop(new Error(`raw transfer timed out; peer states: ${JSON.stringify(states)}`)),
      timeoutMs,
    );
    function stop(error) {
      clearTimeout(timer);
      sender.kill();
      receiver.kill();
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
        } else if (message.kind === "result") {
          results[name] = message;
          if (results.sender && results.receiver) {
            clearTimeout(timer);
            resolve(results);
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
