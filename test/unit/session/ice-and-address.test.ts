import type { NetworkInterfaceInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { candidateHosts, pickLanAddress } from "../../../src/session/embedded-server.js";
import {
  DEFAULT_ICE_SERVERS,
  isLoopbackUrl,
  LOOPBACK_SCTP_MTU,
  resolveIce,
} from "../../../src/session/ice.js";

function interfaces(...entries: [string, string, boolean][]): NodeJS.Dict<NetworkInterfaceInfo[]> {
  const result: NodeJS.Dict<NetworkInterfaceInfo[]> = {};
  for (const [name, address, internal] of entries) {
    const info = {
      address,
      internal,
      family: "IPv4",
      netmask: "255.255.255.0",
      mac: "",
      cidr: null,
    };
    result[name] = [...(result[name] ?? []), info as NetworkInterfaceInfo];
  }
  return result;
}

describe("resolveIce", () => {
  const base = { iceServers: [], bind: undefined, env: {}, embedded: false };

  it.each([
    ["loopback server: bind 127.0.0.1, no STUN", "http://127.0.0.1:9891", {}, [], "127.0.0.1"],
    ["localhost too", "http://localhost:1", {}, [], "127.0.0.1"],
    [
      "remote server: the original's STUN, all interfaces",
      "https://kad.example",
      {},
      DEFAULT_ICE_SERVERS,
      undefined,
    ],
    [
      "KAD_BIND wins over the default",
      "http://127.0.0.1:1",
      { KAD_BIND: "10.0.0.7" },
      [],
      "10.0.0.7",
    ],
  ])("%s", (_, serverUrl, env, iceServers, bindAddress) => {
    const { mtu: _mtu, ...ice } = resolveIce({ ...base, env, serverUrl });
    expect(ice).toEqual({ iceServers, bindAddress });
  });

  it("raises the SCTP MTU only when ICE is bound to loopback", () => {
    const loopback = resolveIce({ ...base, serverUrl: "http://127.0.0.1:1" });
    expect(loopback.mtu).toBe(LOOPBACK_SCTP_MTU);
    const lan = resolveIce({ ...base, bind: "10.1.1.1", serverUrl: "http://127.0.0.1:1" });
    expect(lan.mtu).toBeUndefined();
    expect(resolveIce({ ...base, serverUrl: "https://kad.example" }).mtu).toBeUndefined();
  });

  it("--bind beats KAD_BIND and --ice beats the default", () => {
    const ice = resolveIce({
      ...base,
      bind: "10.1.1.1",
      env: { KAD_BIND: "10.0.0.7" },
      iceServers: ["stun:x:1"],
      serverUrl: "https://a",
    });
    expect(ice).toEqual({ iceServers: ["stun:x:1"], bindAddress: "10.1.1.1" });
  });

  it("uses no STUN for the embedded LAN server", () => {
    expect(
      resolveIce({ ...base, embedded: true, serverUrl: "http://192.168.1.5:4000" }).iceServers,
    ).toEqual([]);
  });

  it.each([
    ["http://127.0.0.5:1", true],
    ["http://[::1]:1", true],
    ["http://10.0.0.1:1", false],
    ["not a url", false],
  ])("isLoopbackUrl(%s) is %s", (url, expected) => {
    expect(isLoopbackUrl(url)).toBe(expected);
  });
});

describe("embedded server address", () => {
  it("prefers a private LAN address, then any external one, then loopback", () => {
    expect(
      pickLanAddress(
        interfaces(
          ["lo", "127.0.0.1", true],
          ["eth0", "203.0.113.9", false],
          ["wlan0", "192.168.1.23", false],
        ),
      ),
    ).toBe("192.168.1.23");
    expect(
      pickLanAddress(interfaces(["lo", "127.0.0.1", true], ["eth0", "203.0.113.9", false])),
    ).toBe("203.0.113.9");
    expect(pickLanAddress(interfaces(["lo", "127.0.0.1", true]))).toBe("127.0.0.1");
  });

  it("completes a folded octet from every local IPv4 prefix", () => {
    const local = interfaces(
      ["lo", "127.0.0.1", true],
      ["eth0", "192.168.1.40", false],
      ["eth1", "10.0.5.2", false],
    );
    expect(candidateHosts(23, local)).toEqual(["127.0.0.23", "192.168.1.23", "10.0.5.23"]);
    expect(candidateHosts(1, interfaces(["lo", "127.0.0.1", true]))).toEqual(["127.0.0.1"]);
  });
});
