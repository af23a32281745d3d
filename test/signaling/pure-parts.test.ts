/** Table-driven tests of the server's pure parts. */
import { describe, expect, it } from "vitest";
import { parseLimitOverride } from "../../signaling-server/src/cli/limit-overrides.js";
import { resolveServeConfig } from "../../signaling-server/src/cli/serve-options.js";
import { toWebSocketUri } from "../../signaling-server/src/instance-picker.js";
import { normalizeIp } from "../../signaling-server/src/limits/guards.js";
import { BUSY, PasswordChecks } from "../../signaling-server/src/limits/password-checks.js";
import { TokenBucket, WindowCounter } from "../../signaling-server/src/limits/rate-limiter.js";
import { DEFAULT_LIMITS } from "../../signaling-server/src/limits/server-limits.js";
import {
  hashPassword,
  isEffectivePassword,
  verifyPassword,
} from "../../signaling-server/src/store/password.js";
import { PendingRelays } from "../../signaling-server/src/ws/pending-relays.js";
import { FakeClock } from "./fake-clock.js";

describe("toWebSocketUri", () => {
  it.each([
    ["http://127.0.0.1:9891", "ws://127.0.0.1:9891"],
    ["https://kad.example.org", "wss://kad.example.org"],
    ["https://kad.example.org/", "wss://kad.example.org"],
    ["https://kad.example.org/signal/", "wss://kad.example.org/signal/"],
    ["http://[::1]:8080/?x=1#y", "ws://[::1]:8080"],
  ])("%s -> %s", (input, expected) => {
    expect(toWebSocketUri(input)).toBe(expected);
  });
});

describe("passwords", () => {
  it("hashes with a random salt and verifies only the right password", async () => {
    const first = await hashPassword("correct horse");
    const second = await hashPassword("correct horse");
    expect(first).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain("correct");
    expect(await verifyPassword("correct horse", first)).toBe(true);
    expect(await verifyPassword("correct horse ", first)).toBe(false);
    expect(await verifyPassword("", first)).toBe(false);
  });

  it.each([
    ["", "empty"],
    ["plain", "not a hash"],
    ["bcrypt$1$2$3$c2FsdA==$aGFzaA==", "another scheme"],
    ["scrypt$1073741824$8$1$c2FsdA==$aGFzaA==", "a cost that would exhaust memory"],
    ["scrypt$16384$8$1$c2FsdA==$c2hvcnQ=", "a short key"],
    ["scrypt$abc$8$1$c2FsdA==$aGFzaA==", "a non-numeric cost"],
  ])("rejects a stored value that is %s (%s) without throwing", async (stored) => {
    expect(await verifyPassword("x", stored)).toBe(false);
  });

  it.each([
    ["secret", true],
    ["  secret  ", true],
    ["", false],
    ["   ", false],
    [undefined, false],
    [null, false],
    [42, false],
  ])("isEffectivePassword(%j) is %s", (value, expected) => {
    expect(isEffectivePassword(value)).toBe(expected);
  });
});

describe("WindowCounter", () => {
  it("counts per key within a window and resets after it", () => {
    const clock = new FakeClock();
    const counter = new WindowCounter(clock, 2, 1000);
    expect(counter.tryTake("a")).toBe(true);
    expect(counter.tryTake("a")).toBe(true);
    expect(counter.tryTake("a")).toBe(false);
    expect(counter.tryTake("b")).toBe(true);
    expect(counter.retryAfterMs("a")).toBe(1000);
    clock.advance(600);
    expect(counter.retryAfterMs("a")).toBe(400);
    clock.advance(400);
    expect(counter.isOver("a")).toBe(false);
    expect(counter.tryTake("a")).toBe(true);
  });

  it("hitOnce counts each distinct thing once per window", () => {
    const clock = new FakeClock();
    const counter = new WindowCounter(clock, 3, 1000);
    for (let i = 0; i < 10; i++) counter.hitOnce("ip", "waited-for-room");
    expect(counter.isOver("ip")).toBe(false);
    counter.hitOnce("ip", "guess-1");
    counter.hitOnce("ip", "guess-2");
    expect(counter.isOver("ip")).toBe(true);
    clock.advance(1000);
    expect(counter.isOver("ip")).toBe(false);
    counter.hitOnce("ip", "waited-for-room");
    expect(counter.isOver("ip")).toBe(false);
  });
});

describe("PasswordChecks", () => {
  it("runs a bounded number of checks at once, queues a few, and refuses the rest", async () => {
    const limits = {
      ...DEFAULT_LIMITS,
      maxConcurrentPasswordChecks: 1,
      maxQueuedPasswordChecks: 1,
    };
    const checks = new PasswordChecks(new FakeClock(), limits);
    const started: string[] = [];
    let finishFirst = () => {};
    const first = checks.run(async () => {
      started.push("first");
      await new Promise<void>((resolve) => {
        finishFirst = resolve;
      });
      return "first";
    });
    const second = checks.run(async () => {
      started.push("second");
      return "second";
    });
    expect(await checks.run(async () => "third")).toBe(BUSY);
    expect(started).toEqual(["first"]);
    finishFirst();
    expect(await Promise.all([first, second])).toEqual(["first", "second"]);
    expect(await checks.run(async () => "fourth")).toBe("fourth");
  });
});

describe("TokenBucket", () => {
  it("allows a burst, then refills at the sustained rate", () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(clock, 2, 3);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    clock.advance(500);
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    clock.advance(10_000);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });
});

describe("PendingRelays", () => {
  const route = (peerId: string, replyId = "r") => ({ peerId, replyId, stage: "answer" as const });

  it("hands out ids, resolves each once, and expires the rest", () => {
    const clock = new FakeClock();
    const expired: string[] = [];
    const pending = new PendingRelays(clock, 10, 1000, (r) => expired.push(r.replyId));
    const first = pending.add(route("a", "r1")) as string;
    const second = pending.add(route("a", "r2")) as string;
    expect(first).not.toBe(second);
    expect(pending.take(first)).toEqual(route("a", "r1"));
    expect(pending.take(first)).toBeUndefined();
    clock.advance(1000);
    expect(expired).toEqual(["r2"]);
    expect(pending.take(second)).toBeUndefined();
    expect(pending.size).toBe(0);
  });

  it("bounds the total and each requester's share", () => {
    const pending = new PendingRelays(new FakeClock(), 20, 1000, () => {});
    for (let i = 0; i < 16; i += 1)
      expect(pending.add(route("greedy"))).toEqual(expect.any(String));
    expect(pending.add(route("greedy"))).toBeUndefined();
    for (let i = 0; i < 4; i += 1)
      expect(pending.add(route(`other-${i}`))).toEqual(expect.any(String));
    expect(pending.add(route("late"))).toBeUndefined();
    expect(pending.drain()).toHaveLength(20);
    expect(pending.size).toBe(0);
  });
});

describe("resolveServeConfig", () => {
  it("collects --allow-origin values, several after one flag or one per flag", async () => {
    const { Command } = await import("commander");
    const { addServeOptions } = await import("../../signaling-server/src/cli/serve-options.js");
    const command = addServeOptions(new Command("serve").exitOverride());
    command.parse(
      [
        "--allow-origin",
        "https://a.example",
        "https://b.example/",
        "--allow-origin",
        "https://c.example:8443",
        "--json",
      ],
      { from: "user" },
    );
    expect(command.opts().allowOrigin).toEqual([
      "https://a.example",
      "https://b.example",
      "https://c.example:8443",
    ]);
    expect(command.opts().json).toBe(true);
  });

  it("takes flags over environment over defaults", () => {
    expect(resolveServeConfig({}, {}, "/web")).toMatchObject({
      host: "0.0.0.0",
      port: 9891,
      publicUrl: undefined,
      allowOrigins: [],
      webRoot: "/web",
      logLevel: "info",
      json: false,
      trustProxy: false,
    });
    const env = {
      KAD_SERVE_HOST: "127.0.0.2",
      KAD_SERVE_PORT: "8000",
      KAD_ALLOW_ORIGINS: "https://a.example, https://b.example",
      KAD_LOG_LEVEL: "warn",
      KAD_TRUST_PROXY: "1",
    };
    expect(resolveServeConfig({}, env, undefined)).toMatchObject({
      host: "127.0.0.2",
      port: 8000,
      allowOrigins: ["https://a.example", "https://b.example"],
      logLevel: "warn",
      trustProxy: true,
    });
    expect(
      resolveServeConfig(
        { host: "127.0.0.3", port: 0, allowOrigin: ["https://c.example"] },
        env,
        undefined,
      ),
    ).toMatchObject({ host: "127.0.0.3", port: 0, allowOrigins: ["https://c.example"] });
  });

  it.each([
    [{ KAD_SERVE_PORT: "70000" }, /KAD_SERVE_PORT/],
    [{ KAD_PUBLIC_URL: "ftp://x" }, /KAD_PUBLIC_URL/],
    [{ KAD_ALLOW_ORIGINS: "https://a.example/path" }, /KAD_ALLOW_ORIGINS/],
    [{ KAD_LOG_LEVEL: "loud" }, /KAD_LOG_LEVEL/],
    [{ KAD_TRUST_PROXY: "maybe" }, /KAD_TRUST_PROXY/],
  ])("names the bad variable in %j", (env, message) => {
    expect(() => resolveServeConfig({}, env, undefined)).toThrow(message);
  });
});

describe("limit overrides", () => {
  it("accumulates name=value pairs, flags over KAD_LIMITS", () => {
    expect(parseLimitOverride("maxConnectionsPerIp=256", { maxMembersPerRoom: 4 })).toEqual({
      maxMembersPerRoom: 4,
      maxConnectionsPerIp: 256,
    });
    const config = resolveServeConfig(
      { limit: { maxMembersPerRoom: 8 } },
      { KAD_LIMITS: "maxMembersPerRoom=2, unjoinedIdleMs=60000" },
      undefined,
    );
    expect(config.limits).toEqual({ maxMembersPerRoom: 8, unjoinedIdleMs: 60_000 });
  });

  it.each([
    ["maxConnectionsPerIp", /name=number/],
    ["maxConnectionsPerIp=-1", /name=number/],
    ["maxConnectionsPerIp=1.5", /name=number/],
    ["maxConnectionsPerIp=0", /at least 1/],
    ["noSuchLimit=5", /unknown limit "noSuchLimit"; known: maxFrameBytes, /],
  ])("refuses %s", (text, message) => {
    expect(() => parseLimitOverride(text)).toThrow(message);
  });
});

describe("normalizeIp", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["::ffff:127.0.0.2", "127.0.0.2"],
    ["::1", "0:0:0:0::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["2001:DB8:0:0:ffff::2", "2001:db8:0:0::/64"],
    ["2001:0db8:0000:0001:0000:0000:0000:0001", "2001:db8:0:1::/64"],
    ["fe80::1:2:3:4", "fe80:0:0:0::/64"],
    ["not:an:address::x", "not:an:address::x"],
    ["1::2::3", "1::2::3"],
    [undefined, "unknown"],
  ])("%s -> %s", (address, key) => {
    expect(normalizeIp(address)).toBe(key);
  });
});
