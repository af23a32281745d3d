/**
 * A tiny TCP load balancer for tests, as operators put in front of several
 * instances sharing one public URL: plain HTTP goes to the first backend,
 * WebSocket upgrades go round-robin over all of them, so consecutive
 * clients of one room land on different instances.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export interface Balancer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Ports of the instances behind it; set once they listen (they need `url` first). */
  backendPorts: number[];
  close(): Promise<void>;
}

export async function startBalancer(): Promise<Balancer> {
  const backendPorts: number[] = [];
  let nextWebSocket = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
    client.once("data", (head: Buffer) => {
      const isUpgrade = /^upgrade:\s*websocket/im.test(head.toString("latin1"));
      const index = isUpgrade ? nextWebSocket++ % backendPorts.length : 0;
      const backend = connect(backendPorts[index] as number, "127.0.0.1");
      sockets.add(backend);
      backend.once("close", () => sockets.delete(backend));
      backend.write(head);
      client.pipe(backend).pipe(client);
      backend.on("error", () => client.destroy());
      client.on("error", () => backend.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    backendPorts,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
