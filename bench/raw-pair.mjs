// Runs two bench/raw-peer.mjs processes against each other and relays their
// signaling, so a file crosses a real WebRTC data channel between two real
// processes. Resolves with both peers' results.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const PEER_SCRIPT = fileURLToPath(new URL("./raw-peer.mjs", import.meta.url));

export function runRawTransfer(sourceFile, targetFile, { timeoutMs = 120_000 } = {}) {
  const sender = fork(PEER_SCRIPT, ["send", sourceFile], { stdio: "inherit" });
  const receiver = fork(PEER_SCRIPT, ["receive", targetFile], { stdio: "inherit" });
  const results = {};
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => stop(new Error("raw transfer timed out")), timeoutMs);
    function stop(error) {
      clearTimeout(timer);
      sender.kill();
      receiver.kill();
      reject(error);
    }
    function relay(from, to, name) {
      from.on("message", (message) => {
        if (message.kind === "result") {
          results[name] = message;
          if (results.sender && results.receiver) {
            clearTimeout(timer);
            resolve(results);
          }
        } else if (message.kind === "error") {
          stop(new Error(`${name}: ${message.message}`));
        } else if (to.connected) {
          to.send(message);
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
