import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatRate } from "../../../src/web/format.js";
import { iceServersFor, isLocalNetworkHost } from "../../../src/web/ice-policy.js";
import { ProgressMeter } from "../../../src/web/progress-meter.js";

describe("format", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [20 * 1024 * 1024, "20.0 MiB"],
    [150 * 1024 * 1024, "150 MiB"],
    [3 * 1024 ** 4, "3.0 TiB"],
  ])("formatBytes(%d) = %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it("formats rates and durations", () => {
    expect(formatRate(2.5 * 1024 * 1024)).toBe("2.5 MiB/s");
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("…");
    expect(formatDuration(42.4)).toBe("42 s");
    expect(formatDuration(125)).toBe("2 min 5 s");
    expect(formatDuration(3 * 3600 + 120)).toBe("3 h 2 min");
  });
});

describe("ProgressMeter", () => {
  it("measures the rate over the last few seconds and derives the time left", () => {
    let now = 0;
    const meter = new ProgressMeter(100_000, () => now);
    expect(meter.update(0)).toEqual({ bytes: 0, total: 100_000, rate: 0, secondsLeft: Infinity });
    now = 1_000;
    expect(meter.update(10_000)).toMatchObject({ rate: 10_000, secondsLeft: 9 });
    // A burst long ago no longer counts once it falls out of the window.
    for (let second = 2; second <= 6; second += 1) {
      now = second * 1_000;
      meter.update(10_000 + (second - 1) * 1_000);
    }
    expect(meter.update(15_000)).toMatchObject({ rate: 1_000, secondsLeft: 85 });
  });
});

describe("isLocalNetworkHost", () => {
  it.each([
    ["localhost", true],
    ["127.0.0.1", true],
    ["[::1]", true],
    ["192.168.1.20", true],
    ["10.0.0.2", true],
    ["172.16.5.4", true],
    ["172.32.0.1", false],
    ["198.18.0.2", true],
    ["[fd12:3456::1]", true],
    ["[fe80::1]", true],
    ["nas.local", true],
    ["mybox", true],
    ["kad.example.org", false],
    ["203.0.113.9", false],
  ])("%s -> %s", (host, local) => {
    expect(isLocalNetworkHost(host)).toBe(local);
  });

  it("uses the original client's STUN server only on public origins", () => {
    expect(iceServersFor("192.168.1.20")).toEqual([]);
    expect(iceServersFor("kad.example.org")).toEqual([{ urls: ["stun:stun.l.google.com:19302"] }]);
  });
});
