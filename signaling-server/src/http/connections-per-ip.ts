/**
 * Plain HTTP connections per client address. Counted per TCP connection, not
 * per request, since holding connections open (slowly sending headers, or
 * nothing) is what starves everyone else. A connection that becomes a
 * WebSocket leaves this count: WebSockets have their own per-IP limit.
 */
import type { Socket } from "node:net";
import { normalizeIp } from "../limits/guards.js";

export class ConnectionsPerIp {
  private readonly open = new Map<string, number>();
  private readonly counted = new WeakMap<Socket, string>();

  constructor(private readonly limit: number) {}

  /** Counts the socket unless its address already holds `limit` connections. */
  admit(socket: Socket): boolean {
    const ip = normalizeIp(socket.remoteAddress);
    const current = this.open.get(ip) ?? 0;
    if (current >= this.limit) return false;
    this.open.set(ip, current + 1);
    this.counted.set(socket, ip);
    socket.once("close", () => this.release(socket));
    return true;
  }

  /** Stops counting the socket; a no-op when it was not counted or already released. */
  release(socket: Socket): void {
    const ip = this.counted.get(socket);
    if (ip === undefined) return;
    this.counted.delete(socket);
    const left = (this.open.get(ip) ?? 1) - 1;
    if (left > 0) this.open.set(ip, left);
    else this.open.delete(ip);
  }
}
