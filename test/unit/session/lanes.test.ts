import { describe, expect, it } from "vitest";
import { LANE_MIN_BYTES, lanesWorthOpening } from "../../../src/session/lanes.js";
import type { PeerPath } from "../../../src/webrtc/selected-path.js";

const direct: PeerPath = { path: "direct", route: "lan", local: "host", remote: "host" };
const relayed: PeerPath = { path: "relay", route: "relay", local: "relay", remote: "host" };

describe("lanesWorthOpening", () => {
  it("opens as many lanes as both sides allow for a large file on a direct path", () => {
    expect(lanesWorthOpening(3, 1, direct, LANE_MIN_BYTES)).toBe(1);
    expect(lanesWorthOpening(1, 3, direct, Number.POSITIVE_INFINITY)).toBe(1);
    expect(lanesWorthOpening(2, 2, undefined, LANE_MIN_BYTES)).toBe(2);
  });

  it("opens none for small files, over a relay, or when either side says 0", () => {
    expect(lanesWorthOpening(3, 3, direct, LANE_MIN_BYTES - 1)).toBe(0);
    expect(lanesWorthOpening(3, 3, relayed, LANE_MIN_BYTES)).toBe(0);
    expect(lanesWorthOpening(0, 3, direct, LANE_MIN_BYTES)).toBe(0);
    expect(lanesWorthOpening(3, 0, direct, LANE_MIN_BYTES)).toBe(0);
  });
});
