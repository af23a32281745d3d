import { afterEach, describe, expect, it, vi } from "vitest";
import { SessionScope, withScope } from "../../../src/session/scope.js";
import { KadError } from "../../../src/util/errors.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("SessionScope", () => {
  it("the first failure wins every race, and cleanups run newest first, once", async () => {
    const order: string[] = [];
    const scope = new SessionScope();
    scope.defer(() => order.push("first"));
    scope.defer(() => order.push("second"));
    const waiting = scope.race(new Promise(() => {}));
    scope.fail(new KadError("PEER_LEFT", "gone"));
    scope.fail(new KadError("TIMEOUT", "later"));
    await expect(waiting).rejects.toThrow("gone");
    await Promise.all([scope.close(), scope.close()]);
    expect(order).toEqual(["second", "first"]);
  });

  it("a cleanup registered once the scope closed runs at once (a peer made as the session ended)", async () => {
    const scope = new SessionScope();
    expect(scope.isClosing).toBe(false);
    await scope.close();
    expect(scope.isClosing).toBe(true);
    let ran = false;
    scope.defer(() => {
      ran = true;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(ran).toBe(true);
  });

  it("an abort signal fails the scope as INTERRUPTED", async () => {
    const controller = new AbortController();
    const result = withScope(controller.signal, (scope) => scope.race(new Promise(() => {})));
    controller.abort();
    await expect(result).rejects.toMatchObject({ code: "INTERRUPTED" });
  });

  it("within fails with the given code after its time", async () => {
    vi.useFakeTimers();
    const scope = new SessionScope();
    const waiting = scope.within(new Promise(() => {}), 1_000, "waiting for x", "PEER_UNREACHABLE");
    vi.advanceTimersByTime(1_001);
    await expect(waiting).rejects.toMatchObject({
      code: "PEER_UNREACHABLE",
      message: "timed out waiting for x",
    });
  });

  it("timed settles with what its expiry returns, unless the promise or a failure comes first", async () => {
    vi.useFakeTimers();
    const scope = new SessionScope();
    const idle = scope.timed(new Promise<string>(() => {}), 1_000, () => "idle");
    const early = scope.timed(Promise.resolve("early"), 1_000, () => "idle");
    const never = scope.timed(new Promise<string>(() => {}), Number.POSITIVE_INFINITY, () => "x");
    vi.advanceTimersByTime(1_001);
    await expect(idle).resolves.toBe("idle");
    await expect(early).resolves.toBe("early");
    scope.fail(new KadError("TERMINATED", "terminated"));
    await expect(never).rejects.toMatchObject({ code: "TERMINATED" });
  });

  it("the stall guard fails the scope only when nothing moved for its time", async () => {
    vi.useFakeTimers();
    const scope = new SessionScope();
    const stall = scope.stallGuard(5_000, "receiving");
    const waiting = scope.race(new Promise(() => {}));
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(3_000);
      stall.touch();
    }
    expect(scope.error).toBeUndefined();
    vi.advanceTimersByTime(7_000);
    await expect(waiting).rejects.toMatchObject({
      code: "TIMEOUT",
      message: "receiving stalled for 5 s",
    });
    await scope.close();
  });
});
