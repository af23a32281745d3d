/** --redis / --redis-cluster / KAD_REDIS_* as `kad serve` resolves them, and connecting with them. */
import { describe, expect, it } from "vitest";
import { resolveServeConfig } from "../../signaling-server/src/cli/serve-options.js";
import {
  connectRedisClient,
  createRedisClient,
  parseClusterSeeds,
  parseRedisUrl,
  withPassword,
} from "../../signaling-server/src/redis/redis-connection.js";
import { startRedisServer } from "../helpers/redis-server.js";

describe("Redis options", () => {
  it.each([
    ["redis://127.0.0.1:6379", "standalone"],
    ["rediss://user:secret@redis.example:6380/2", "standalone"],
  ])("accepts --redis %s", (text, kind) => {
    expect(parseRedisUrl(text).kind).toBe(kind);
  });

  it.each(["127.0.0.1:6379", "http://x", "not a url"])("refuses --redis %s", (text) => {
    expect(() => parseRedisUrl(text)).toThrow(/Redis URL|redis:\/\//);
  });

  it("parses --redis-cluster seed lists", () => {
    expect(parseClusterSeeds("10.0.0.1:7000, [::1]:7001,")).toEqual({
      kind: "cluster",
      seeds: [
        { host: "10.0.0.1", port: 7000 },
        { host: "::1", port: 7001 },
      ],
      tls: false,
    });
    expect(parseClusterSeeds("rediss://a.example:7000,rediss://b.example:7000")).toEqual({
      kind: "cluster",
      seeds: [
        { host: "a.example", port: 7000 },
        { host: "b.example", port: 7000 },
      ],
      tls: true,
    });
  });

  it.each(["", "host", "host:0", "host:70000", ":7000", "rediss://a:7000,b:7000"])(
    "refuses --redis-cluster %j",
    (text) => {
      expect(() => parseClusterSeeds(text)).toThrow();
    },
  );

  it("reads KAD_REDIS_URL, KAD_REDIS_CLUSTER and KAD_REDIS_PASSWORD; flags win", () => {
    const env = {
      KAD_REDIS_CLUSTER: "10.0.0.1:7000",
      KAD_REDIS_PASSWORD: "s3cret",
      KAD_PUBLIC_URL: "https://signal.example.org",
    };
    expect(resolveServeConfig({}, env, undefined).redis).toEqual({
      kind: "cluster",
      seeds: [{ host: "10.0.0.1", port: 7000 }],
      tls: false,
      password: "s3cret",
    });
    const flag = parseRedisUrl("redis://10.0.0.2:6379");
    expect(resolveServeConfig({ redis: flag }, env, undefined).redis).toMatchObject({
      kind: "standalone",
      url: "redis://10.0.0.2:6379",
    });
    expect(() =>
      resolveServeConfig({}, { KAD_REDIS_URL: "redis://a:1", KAD_REDIS_CLUSTER: "b:2" }, undefined),
    ).toThrow(/not both/);
    expect(() => resolveServeConfig({}, { KAD_REDIS_URL: "nope" }, undefined)).toThrow(
      /KAD_REDIS_URL/,
    );
  });

  it("needs --public-url unless listening on loopback", () => {
    const redis = parseRedisUrl("redis://10.0.0.2:6379");
    expect(() => resolveServeConfig({ redis }, {}, undefined)).toThrow(/--public-url/);
    expect(resolveServeConfig({ redis, host: "127.0.0.1" }, {}, undefined).redis).toBeDefined();
  });

  it("authenticates with KAD_REDIS_PASSWORD, and says so clearly when it is missing", async () => {
    const server = await startRedisServer({ extraArgs: ["--requirepass", "s3cret"] });
    try {
      const target = withPassword(parseRedisUrl(server.url), "s3cret");
      const client = await createRedisClient(target, () => {});
      await connectRedisClient(client, target);
      expect(await client.ping()).toBe("PONG");
      client.disconnect();

      const anonymous = parseRedisUrl(server.url);
      const refused = await createRedisClient(anonymous, () => {});
      await expect(connectRedisClient(refused, anonymous)).rejects.toThrow(
        /cannot reach Redis.*NOAUTH/,
      );
    } finally {
      await server.dispose();
    }
  });
});
