/**
 * The man-in-the-middle server (mitm-server.ts) as its own process, so a
 * browser test can start it inside its network namespace. Arguments: the
 * upstream server, the address to gather candidates on, and a file that
 * receives every byte it piped when it gets SIGTERM.
 */
import { writeFileSync } from "node:fs";
import { startRelayServer } from "./mitm-server.js";

const [upstream = "", bindAddress = "127.0.0.1", pipedPath = ""] = process.argv.slice(2);
const relay = await startRelayServer(upstream, { intercept: true, bindAddress });
process.on("SIGTERM", () => {
  writeFileSync(pipedPath, Buffer.concat(relay.piped));
  process.exit(0);
});
process.stdout.write(`${JSON.stringify({ event: "ready", url: relay.url })}\n`);
