import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConnectionWatch, DISCONNECTED_GRACE_MS } from "../../../src/webrtc/connection-watch.js";

describe("ConnectionWatch", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function watch() {
    const failures: string[] = [];
    return { failures, watch: new ConnectionWatch((error) => failures.push(error.message)) };
  }

  it("lets a short 'disconnected' recover", () => {
    const { failures, watch: w } = watch();
    w.onState("connected");
    w.onState("disconnected");
    vi.advanceTimersByTime(DISCONNECTED_GRACE_MS - 1);
    w.onState("connected");
    vi.advanceTimersByTime(DISCONNECTED_GRACE_MS * 2);
    expect(failures).toEqual([]);
  });

  it("fails when 'disconnected' lasts past the grace period", () => {
    const { failures, watch: w } = watch();
    w.onState("disconnected");
    w.onState("disconnected");
    vi.advanceTimersByTime(DISCONNECTED_GRACE_MS);
    expect(failures).toEqual(["the connection to the peer was lost (disconnected)"]);
  });

  it("fails at once on 'failed' or 'closed', and not after stop()", () => {
    const { failures, watch: w } = watch();
    w.onState("failed");
    expect(failures).toEqual(["the connection to the peer was lost (failed)"]);
    const second = watch();
    second.watch.onState("disconnected");
    second.watch.stop();
    vi.advanceTimersByTime(DISCONNECTED_GRACE_MS * 2);
    second.watch.onState("closed");
    expect(second.failures).toEqual(["the connection to the peer was lost (closed)"]);
  });
});
