/**
 * The behaviour every SignalingBus must have. Each implementation's test file
 * calls describeSignalingBus with a factory returning two buses that share
 * their medium (two instances on one Redis, or one LocalSignalingBus twice):
 *
 *   describeSignalingBus("local", async () => {
 *     const bus = new LocalSignalingBus();
 *     return { here: bus, there: bus };
 *   });
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { PeerMessage, SignalingBus } from "../../signaling-server/src/bus/signaling-bus.js";

export interface BusesUnderTest {
  /** The bus peers attach to. */
  here: SignalingBus;
  /** The bus messages are sent from (may be the same object). */
  there: SignalingBus;
  cleanup?(): Promise<void>;
}

function inbox() {
  const received: PeerMessage[] = [];
  const waiters: Array<() => void> = [];
  return {
    received,
    deliver: (message: PeerMessage) => {
      received.push(message);
      for (const wake of waiters.splice(0)) wake();
    },
    /** Resolves once `count` messages have arrived. */
    async until(count: number): Promise<PeerMessage[]> {
      const deadline = Date.now() + 10_000;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${received.length} of ${count} arrived`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return received;
    },
  };
}

export function describeSignalingBus(name: string, makeBuses: () => Promise<BusesUnderTest>): void {
  describe(`SignalingBus contract: ${name}`, () => {
    let current: BusesUnderTest | undefined;
    const open = async () => {
      current = await makeBuses();
      return current;
    };
    afterEach(async () => {
      await current?.cleanup?.();
      current = undefined;
    });

    it("delivers a message, route included, to an attached peer", async () => {
      const { here, there } = await open();
      const peer = randomUUID();
      const box = inbox();
      await here.attach(peer, box.deliver);
      const message: PeerMessage = {
        frame: { type: "initiate", payload: { id: "a", offerSDP: { type: "offer", sdp: "v=0" } } },
        replyRoute: { peerId: "a", replyId: "a1", stage: "answer" },
      };
      expect(await there.send(peer, message)).toBe(true);
      expect(await box.until(1)).toEqual([message]);
    });

    it("answers false for a peer nobody holds, and after detach", async () => {
      const { here, there } = await open();
      expect(await there.send(randomUUID(), { frame: { type: "users", payload: [] } })).toBe(false);
      const peer = randomUUID();
      const box = inbox();
      await here.attach(peer, box.deliver);
      await here.detach(peer);
      expect(await there.send(peer, { frame: { type: "users", payload: [] } })).toBe(false);
      await here.detach(peer);
      expect(box.received).toEqual([]);
    });

    it("keeps the order of messages to one peer", async () => {
      const { here, there } = await open();
      const peer = randomUUID();
      const box = inbox();
      await here.attach(peer, box.deliver);
      for (let i = 0; i < 50; i += 1)
        await there.send(peer, { frame: { replyId: `r${i}`, payload: i } });
      const received = await box.until(50);
      expect(received.map((m) => m.frame.payload)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    });

    it("keeps peers apart and hands the recipient its own copy", async () => {
      const { here, there } = await open();
      const [first, second] = [randomUUID(), randomUUID()];
      const [firstBox, secondBox] = [inbox(), inbox()];
      await here.attach(first, firstBox.deliver);
      await here.attach(second, secondBox.deliver);
      const payload = { nested: { list: [1, 2, 3] }, text: 'ünï "côdé" 🚀' };
      await there.send(first, { frame: { type: "users", payload } });
      const [delivered] = await firstBox.until(1);
      expect(delivered?.frame.payload).toEqual(payload);
      expect(delivered?.frame.payload).not.toBe(payload);
      expect(secondBox.received).toEqual([]);
    });
  });
}
