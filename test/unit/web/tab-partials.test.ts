/**
 * The tab's kept partials with a fake folder: which failures keep one, the
 * bound, one partial per path, and the hello's wait for partials being kept.
 */
import { describe, expect, it } from "vitest";
import { KadError } from "../../../src/util/errors.js";
import { BlobByteSink } from "../../../src/web/blob-byte-sink.js";
import { MemorySink } from "../../../src/web/receive-sink.js";
import { keepsPartial, MAX_KEPT_PARTIALS, TabPartials } from "../../../src/web/tab-partials.js";

function fakeFolder() {
  const removed: string[] = [];
  const folder = {
    removeEntry: async (name: string) => {
      removed.push(name);
    },
  };
  return { partials: new TabPartials(async () => folder), removed };
}

const MiB = 1024 * 1024;
const file = (path: string) => ({ path, size: 8 * MiB, id: `id-${path}` });

describe("keepsPartial", () => {
  it.each([
    ["PEER_LEFT", true],
    ["PEER_UNREACHABLE", true],
    ["SERVER_UNREACHABLE", true],
    ["TIMEOUT", true],
    ["INTERRUPTED", false],
    ["INTEGRITY", false],
    ["PROTOCOL", false],
    ["DISK", false],
  ] as const)("%s keeps the partial: %s", (code, kept) => {
    expect(keepsPartial(new KadError(code, "x"))).toBe(kept);
  });

  it("keeps nothing for an error that is not kad's", () => {
    expect(keepsPartial(new Error("x"))).toBe(false);
    expect(keepsPartial(undefined)).toBe(false);
  });
});

describe("TabPartials", () => {
  it("offers the newest partials, at most MAX_KEPT_PARTIALS, removing the oldest file", async () => {
    const { partials, removed } = fakeFolder();
    for (let index = 0; index <= MAX_KEPT_PARTIALS; index += 1) {
      expect(await partials.keep(file(`f${index}`), `name${index}`, async () => MiB)).toBe(true);
    }
    const offers = partials.offers();
    expect(offers).toHaveLength(MAX_KEPT_PARTIALS);
    expect(offers[0]).toEqual({ ...file(`f${MAX_KEPT_PARTIALS}`), bytes: MiB });
    expect(offers.some((offer) => offer.path === "f0")).toBe(false);
    expect(removed).toEqual(["name0"]);
  });

  it("holds one partial per path: a newer one, or a fresh start, removes the older", async () => {
    const { partials, removed } = fakeFolder();
    await partials.keep(file("a"), "old", async () => MiB);
    await partials.keep({ ...file("a"), id: "changed" }, "new", async () => 2 * MiB);
    expect(partials.offers()).toEqual([{ ...file("a"), id: "changed", bytes: 2 * MiB }]);
    expect(removed).toEqual(["old"]);
    await partials.forgetPath("a");
    expect(partials.offers()).toEqual([]);
    expect(removed).toEqual(["old", "new"]);
  });

  it("keeps nothing when storing failed, held no bytes, or more than the file", async () => {
    const { partials } = fakeFolder();
    expect(await partials.keep(file("a"), "n1", () => Promise.reject(new Error("disk")))).toBe(
      false,
    );
    expect(await partials.keep(file("b"), "n2", async () => 0)).toBe(false);
    expect(await partials.keep(file("c"), "n3", async () => 9 * MiB)).toBe(false);
    expect(partials.offers()).toEqual([]);
  });

  it("hands a partial out once, only for the same path, size and id", async () => {
    const { partials } = fakeFolder();
    await partials.keep(file("a"), "n", async () => MiB);
    expect(partials.take({ ...file("a"), id: "other" })).toBeUndefined();
    expect(partials.take({ ...file("a"), size: 1 })).toBeUndefined();
    expect(partials.take(file("a"))).toMatchObject({ name: "n", bytes: MiB });
    expect(partials.take(file("a"))).toBeUndefined();
    expect(partials.offers()).toEqual([]);
  });

  it("lets a hello wait for a partial being kept, for a bounded time", async () => {
    const { partials } = fakeFolder();
    expect(partials.settled()).toBeUndefined();
    let store: (bytes: number) => void = () => undefined;
    void partials.keep(file("a"), "n", () => new Promise((resolve) => (store = resolve)));
    const waiting = partials.settled();
    store(MiB);
    await waiting;
    expect(partials.offers()).toHaveLength(1);
    // A keep that never ends must not hold a hello back: this resolves, by its bound.
    void partials.keep(file("b"), "m", () => new Promise(() => undefined));
    await partials.settled(20);
    expect(partials.offers()).toHaveLength(1);
  });
});

describe("BlobByteSink.discard", () => {
  it("removes the stored bytes unless its keeper kept them", async () => {
    for (const kept of [true, false]) {
      const memory = new MemorySink();
      let dropped = false;
      memory.discard = () => {
        dropped = true;
      };
      const reasons: unknown[] = [];
      const sink = new BlobByteSink(Promise.resolve(memory), async (_sink, reason) => {
        reasons.push(reason);
        return kept;
      });
      const reason = new KadError("PEER_LEFT", "gone");
      await sink.discard(reason);
      expect(reasons).toEqual([reason]);
      expect(dropped).toBe(!kept);
    }
  });
});
