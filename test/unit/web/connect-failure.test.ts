import { describe, expect, it } from "vitest";
import { connectFailure } from "../../../src/web/connect-failure.js";

describe("connectFailure", () => {
  it("names a failed encrypted handshake when ICE had found a path", () => {
    for (const iceConnectionState of ["connected", "completed"] as const) {
      const error = connectFailure(
        { timedOut: false, connectionState: "failed", iceConnectionState },
        30_000,
      );
      expect(error.kind).toBe("peer-unreachable");
      expect(error.message).toMatch(/^Reached the other side, but the encrypted connection failed/);
    }
  });

  it("names a connection that found a path but did not open in time", () => {
    const error = connectFailure(
      { timedOut: true, connectionState: "connecting", iceConnectionState: "connected" },
      30_000,
    );
    expect(error.message).toBe(
      "Reached the other side, but the connection did not open within 30 s. Try again.",
    );
  });

  it("says no direct connection when ICE never found a path", () => {
    for (const snapshot of [
      { timedOut: false, connectionState: "failed", iceConnectionState: "failed" },
      { timedOut: true, connectionState: "connecting", iceConnectionState: "checking" },
      { timedOut: false, connectionState: "closed", iceConnectionState: "closed" },
    ] as const) {
      expect(connectFailure(snapshot, 30_000).message).toMatch(
        /^Could not open a direct connection to the other side/,
      );
    }
  });
});
