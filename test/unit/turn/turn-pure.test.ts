/** Pure parts of TURN support: the REST password, URL parsing, and the reported path. */
import { describe, expect, it } from "vitest";
import { stunUrlsFor, turnPassword } from "../../../signaling-server/src/turn/turn-credentials.js";
import { parseTurnUrl, relayHosts, toNativeIceServers } from "../../../src/webrtc/ice-servers.js";
import { asksRelayOnly, markRelayOnly } from "../../../src/webrtc/relay-only-offer.js";
import { describePath } from "../../../src/webrtc/selected-path.js";

describe("TURN REST credentials", () => {
  it("password is base64 HMAC-SHA1 of the username (as coturn's use-auth-secret computes it)", () => {
    // echo -n "1700000000:abc" | openssl dgst -sha1 -hmac secret -binary | base64
    expect(turnPassword("1700000000:abc", "secret")).toBe("JHgegmW+/B84iarkT5SFAOC1Iqw=");
  });

  it("derives the STUN service of plain turn: URLs only", () => {
    expect(
      stunUrlsFor(["turn:a.example:3478?transport=tcp", "turns:a.example:5349", "turn:b:1"]),
    ).toEqual(["stun:a.example:3478", "stun:b:1"]);
  });
});

describe("parseTurnUrl", () => {
  it.each([
    ["turn:h.example", { hostname: "h.example", port: 3478, relayType: "TurnUdp" }],
    ["turn:h:3479?transport=tcp", { hostname: "h", port: 3479, relayType: "TurnTcp" }],
    ["turns:h", { hostname: "h", port: 5349, relayType: "TurnTls" }],
    ["turn:[2001:db8::1]:3478", { hostname: "2001:db8::1", port: 3478, relayType: "TurnUdp" }],
    ["turn:user:pass@h", undefined],
    ["turn:h:99999", undefined],
    ["stun:h", undefined],
  ])("%s", (url, expected) => {
    expect(parseTurnUrl(url)).toEqual(expected);
  });

  it("keeps the colon of a REST username out of the URL", () => {
    const servers = toNativeIceServers([
      { urls: ["stun:h:3478", "turn:h:3478"], username: "170:x", credential: "p" },
    ]);
    expect(servers).toEqual([
      "stun:h:3478",
      { hostname: "h", port: 3478, relayType: "TurnUdp", username: "170:x", password: "p" },
    ]);
  });
});

describe("describePath", () => {
  const own = [
    "candidate:1 1 UDP 1 10.0.0.2 5000 typ host",
    "candidate:2 1 UDP 1 203.0.113.9 6000 typ relay raddr 0.0.0.0 rport 0",
    "candidate:3 1 UDP 1 203.0.113.77 6000 typ srflx raddr 10.0.0.2 rport 5000",
  ];
  const remote = ["candidate:1 1 UDP 1 198.51.100.7 7000 typ srflx raddr 192.168.1.2 rport 7000"];
  it.each([
    [
      "both hosts",
      "10.0.0.2",
      5000,
      "host",
      "10.0.0.3",
      5001,
      "prflx",
      { path: "direct", route: "lan", local: "host", remote: "prflx" },
    ],
    [
      "through NAT",
      "10.0.0.2",
      5000,
      "host",
      "198.51.100.7",
      7000,
      "prflx",
      { path: "direct", route: "nat", local: "host", remote: "srflx" },
    ],
    // The NAT gave the peer another port than it gave the STUN server.
    [
      "through NAT, mapped to another port",
      "10.0.0.2",
      5000,
      "host",
      "198.51.100.7",
      7100,
      "prflx",
      { path: "direct", route: "nat", local: "host", remote: "prflx" },
    ],
    [
      "behind NAT ourselves, mapped to another port",
      "203.0.113.77",
      6100,
      "prflx",
      "10.0.0.3",
      5001,
      "host",
      { path: "direct", route: "nat", local: "prflx", remote: "host" },
    ],
    // libdatachannel was seen to call a relayed local candidate "host".
    [
      "misnamed relay",
      "203.0.113.9",
      6000,
      "host",
      "198.51.100.7",
      7000,
      "srflx",
      { path: "relay", route: "relay", local: "relay", remote: "srflx", via: "203.0.113.9" },
    ],
    [
      "remote relay",
      "10.0.0.2",
      5000,
      "host",
      "203.0.113.50",
      8000,
      "relay",
      { path: "relay", route: "relay", local: "host", remote: "relay", via: "203.0.113.50" },
    ],
  ])("%s", (_, la, lp, lt, ra, rp, rt, expected) => {
    const path = describePath(
      { address: la, port: lp, type: lt },
      { address: ra, port: rp, type: rt },
      { own, remote },
      false,
    );
    expect(path).toEqual(expected);
  });

  // The peer's relay candidate came after its list went out: first seen as peer-reflexive.
  it("counts an unsignalled end at a TURN server's address as relayed", () => {
    const local = { address: "10.0.0.2", port: 5000, type: "host" };
    const relayed = { address: "203.0.113.50", port: 8000, type: "prflx" };
    expect(describePath(local, relayed, { own, remote }, false, ["203.0.113.50"])).toEqual({
      path: "relay",
      route: "relay",
      local: "host",
      remote: "relay",
      via: "203.0.113.50",
    });
    expect(describePath(local, relayed, { own, remote }, false, [])).toMatchObject({
      path: "direct",
    });
  });

  it("keeps a signalled host at a TURN server's address direct (a peer on the server itself)", () => {
    const local = { address: "10.0.0.2", port: 5000, type: "host" };
    const onServer = { address: "203.0.113.50", port: 9000, type: "host" };
    const signalled = { own, remote: ["candidate:1 1 UDP 1 203.0.113.50 9000 typ host"] };
    expect(describePath(local, onServer, signalled, false, ["203.0.113.50"])).toMatchObject({
      path: "direct",
      remote: "host",
    });
  });
});

describe("relayHosts", () => {
  it("lists the hosts of TURN servers, objects and URLs alike, and no STUN server", () => {
    expect(
      relayHosts([
        "stun:s.example:3478",
        {
          hostname: "198.18.100.1",
          port: 3478,
          relayType: "TurnUdp",
          username: "u",
          password: "p",
        },
        "turn:user:pass@t.example:3478",
        "turns:[2001:db8::1]:5349",
      ]),
    ).toEqual(["198.18.100.1", "t.example", "2001:db8::1"]);
  });
});

describe("relay-only offer marker", () => {
  it("round-trips, and plain offers do not ask", () => {
    const sdp = "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n";
    expect(asksRelayOnly({ type: "offer", sdp: markRelayOnly(sdp) })).toBe(true);
    expect(asksRelayOnly({ type: "offer", sdp })).toBe(false);
    expect(asksRelayOnly("x")).toBe(false);
  });
});
