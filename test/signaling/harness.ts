/** Starts a real signaling server on an ephemeral port and helps tests talk to it. */
import { onTestFinished } from "vitest";
import type { RunningServer, SignalingServerOptions } from "../../signaling-server/src/index.js";
import { startSignalingServer } from "../../signaling-server/src/index.js";
import { SignalingClient } from "./signaling-client.js";

export interface Harness {
  server: RunningServer;
  wsUrl: string;
  clients: SignalingClient[];
  open(options?: Parameters<typeof SignalingClient.open>[1]): Promise<SignalingClient>;
  createRoom(roomname: string, password?: string): Promise<Response>;
  /** Creates a room and joins `usernames` to it, in order. */
  roomWith(roomname: string, ...usernames: string[]): Promise<SignalingClient[]>;
}

/** expect.poll options: generous, since CI runs this suite next to browser tests on two cores. */
export const POLL = { timeout: 10_000, interval: 20 };

let counter = 0;
export function uniqueRoom(prefix = "room"): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

export async function useServer(options: SignalingServerOptions = {}): Promise<Harness> {
  const server = await startSignalingServer({ host: "127.0.0.1", port: 0, ...options });
  const clients: SignalingClient[] = [];
  onTestFinished(async () => {
    for (const client of clients) client.socket.terminate();
    await server.close();
  });
  const wsUrl = server.url.replace(/^http/, "ws");
  const harness: Harness = {
    server,
    wsUrl,
    clients,
    async open(clientOptions) {
      const client = await SignalingClient.open(wsUrl, clientOptions);
      clients.push(client);
      return client;
    },
    createRoom(roomname, password) {
      return fetch(`${server.url}/rooms`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ username: "creator", roomname, ...(password ? { password } : {}) }),
      });
    },
    async roomWith(roomname, ...usernames) {
      const created = await harness.createRoom(roomname);
      if (created.status !== 201) throw new Error(`room creation failed: ${created.status}`);
      const joined: SignalingClient[] = [];
      for (const username of usernames) {
        const client = await harness.open();
        // Consume the users push each earlier member gets, so tests start with empty inboxes.
        const pushes = joined.map((member) => member.nextUsers());
        const reply = await client.request("connect", { username, roomname });
        if ((reply.payload as { err: unknown }).err !== null) throw new Error("join failed");
        await Promise.all(pushes);
        joined.push(client);
      }
      return joined;
    },
  };
  return harness;
}
