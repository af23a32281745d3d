/** `kad.ice`: TURN credentials only for members of a room, counted in /metrics. */
import { expect, it } from "vitest";
import {
  SharedSecretTurnIssuer,
  turnPassword,
} from "../../signaling-server/src/turn/turn-credentials.js";
import { iceServersReplySchema } from "../../src/protocol/ice-servers-message.js";
import { uniqueRoom, useServer } from "./harness.js";

const SECRET = "test-secret";
const turn = new SharedSecretTurnIssuer({
  urls: ["turn:turn.example.org:3478", "turns:turn.example.org:5349"],
  secret: SECRET,
  ttlSeconds: 3600,
});

it("a client that has not joined a room gets no credentials, only NOT_JOINED", async () => {
  const harness = await useServer({ turn });
  const stranger = await harness.open();
  const reply = await stranger.request("kad.ice", {});
  expect(reply.payload).toEqual({ err: "NOT_JOINED" });
  expect(harness.server.metrics.value("kad_turn_credentials_total")).toBe(0);
});

it("a member gets REST-style credentials coturn can check, valid for the configured time", async () => {
  const harness = await useServer({ turn });
  const [member] = await harness.roomWith(uniqueRoom(), "alice");
  const before = Math.floor(Date.now() / 1000);
  const reply = iceServersReplySchema.parse((await member?.request("kad.ice", {}))?.payload);
  expect(reply.ttlSeconds).toBe(3600);
  expect(reply.iceServers[0]).toEqual({ urls: ["stun:turn.example.org:3478"] });
  const relay = reply.iceServers[1];
  expect(relay?.urls).toEqual(["turn:turn.example.org:3478", "turns:turn.example.org:5349"]);
  const [expiry, random] = (relay?.username ?? "").split(":");
  expect(Number(expiry) - before).toBeGreaterThanOrEqual(3600);
  expect(Number(expiry) - before).toBeLessThanOrEqual(3601);
  expect(random).toMatch(/^[\w-]{8,}$/);
  expect(relay?.credential).toBe(turnPassword(relay?.username ?? "", SECRET));
  expect(harness.server.metrics.value("kad_turn_credentials_total")).toBe(1);
});

it("a server without TURN answers members with an empty list", async () => {
  const harness = await useServer();
  const [member] = await harness.roomWith(uniqueRoom(), "alice");
  expect((await member?.request("kad.ice", {}))?.payload).toEqual({
    iceServers: [],
    ttlSeconds: 0,
  });
});
