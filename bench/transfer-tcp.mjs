// The plain TCP baseline: one process listens on loopback and writes what it
// receives to a file, another connects and streams the file to it. Both are
// forked by bench/run.mjs and report {kind:"result", bytes, ms} over IPC.
//
//   fork("bench/transfer-tcp.mjs", ["receive", FILE]) -> {kind:"listening", port}
//   fork("bench/transfer-tcp.mjs", ["send", FILE, PORT])
import { createReadStream, createWriteStream } from "node:fs";
import { connect, createServer } from "node:net";
import { pipeline } from "node:stream/promises";

const [role, file, port] = process.argv.slice(2);
const startedAt = performance.now();

function report(message) {
  process.send?.(message);
}

if (role === "receive") {
  const server = createServer(async (socket) => {
    let bytes = 0;
    socket.on("data", (chunk) => {
      bytes += chunk.length;
    });
    const receivedAt = performance.now();
    await pipeline(socket, createWriteStream(file));
    report({ kind: "result", bytes, ms: performance.now() - receivedAt });
    server.close();
    process.disconnect?.();
  });
  server.listen(0, "127.0.0.1", () => report({ kind: "listening", port: server.address().port }));
} else {
  const socket = connect(Number(port), "127.0.0.1");
  socket.on("connect", async () => {
    await pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), socket);
    report({ kind: "result", ms: performance.now() - startedAt });
    process.disconnect?.();
  });
}
