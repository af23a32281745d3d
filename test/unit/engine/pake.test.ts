/**
 * The code check's state machines and drivers with fake channels: the right
 * secret verifies both ways with one short authentication string; a wrong
 * secret, another room, a relayed connection (each side sees other DTLS
 * fingerprints) or a hostile share fails, and the gate lets nothing through.
 */
import { describe, expect, it } from "vitest";
import {
  type GateHost,
  PakeGate,
  type PakeParams,
  prepareShare,
  proveCodeToReceiver,
  ReceiverPake,
  SenderPake,
} from "../../../src/engine/pake.js";
import { ReceiverReplies } from "../../../src/engine/receiver-replies.js";
import { sdpFingerprint } from "../../../src/protocol/sdp-fingerprint.js";
import { encodeShareMessage } from "../../../src/protocol/share-messages.js";
import type { KadError } from "../../../src/util/errors.js";
import { FakeChannel } from "./fakes.js";

const SENDER_FP = "sha-256 AA:BB";
const RECEIVER_FP = "sha-256 CC:DD";

const senderSide = (over: Partial<PakeParams> = {}): PakeParams => ({
  secret: "piano-oak",
  room: "7-tiger",
  localFingerprint: SENDER_FP,
  remoteFingerprint: RECEIVER_FP,
  ...over,
});
const receiverSide = (over: Partial<PakeParams> = {}): PakeParams => ({
  secret: "piano-oak",
  room: "7-tiger",
  localFingerprint: RECEIVER_FP,
  remoteFingerprint: SENDER_FP,
  ...over,
});

function run(sender: PakeParams, receiver: PakeParams) {
  const s = new SenderPake(sender);
  const r = new ReceiverPake(receiver);
  const share = r.shareMessage;
  if (share.kad !== "pake") throw new Error("no share");
  const answer = s.onShare(share.share);
  const confirm = answer ? r.onSender(answer) : undefined;
  const verified = confirm ? s.onConfirm(confirm.mac) : false;
  return { s, r, verified };
}

describe("CPace state machines", () => {
  it("verifies both ways with the same secret, room and fingerprints", () => {
    const { s, r, verified } = run(senderSide(), receiverSide());
    expect(verified).toBe(true);
    expect([s.state, r.state]).toEqual(["verified", "verified"]);
    expect(s.sas).toMatch(/^[a-z]+( [a-z]+){4}$/);
    expect(r.sas).toBe(s.sas);
  });

  it("a share prepared beforehand verifies like one made on the spot, and only for its secret", () => {
    const prepared = run(
      senderSide({ share: prepareShare("piano-oak", "7-tiger") }),
      receiverSide(),
    );
    expect(prepared.verified).toBe(true);
    const stale = run(senderSide({ share: prepareShare("piano-oat", "7-tiger") }), receiverSide());
    expect(stale.verified).toBe(false);
    expect(stale.r.state).toBe("failed");
  });

  it.each([
    ["a wrong secret", receiverSide({ secret: "piano-oat" })],
    ["another room", receiverSide({ room: "8-tiger" })],
    // A relay: each side sees the relay's certificate as the remote one.
    ["a relay in between", receiverSide({ remoteFingerprint: "sha-256 EE:FF" })],
  ])("fails on %s, at the receiver, before anything is confirmed", (_, receiver) => {
    const { s, r, verified } = run(senderSide(), receiver);
    expect(verified).toBe(false);
    expect(r.state).toBe("failed");
    expect(s.state).toBe("awaiting-confirm");
    expect(r.sas).toBeUndefined();
  });

  it.each([
    ["the identity", "00".repeat(32)],
    ["a non-canonical encoding", "ff".repeat(32)],
  ])("a sender refuses %s as the receiver's share", (_, share) => {
    const s = new SenderPake(senderSide());
    expect(s.onShare(share)).toBeUndefined();
    expect(s.state).toBe("failed");
  });

  it("a sender refuses a confirmation that does not match", () => {
    const s = new SenderPake(senderSide());
    const r = new ReceiverPake(receiverSide());
    const share = r.shareMessage as { share: string };
    s.onShare(share.share);
    expect(s.onConfirm("00".repeat(32))).toBe(false);
    expect(s.state).toBe("failed");
  });
});

function gateHost() {
  const log: string[] = [];
  const sent: unknown[] = [];
  const host: GateHost = {
    send: (text) => sent.push(JSON.parse(text)),
    onVerified: (sas) => log.push(`verified ${sas.split(" ").length}`),
    onUnverified: () => log.push("unverified"),
    onFailed: (error: KadError) => log.push(`failed ${error.code}`),
    deliver: (message) => log.push(`deliver ${typeof message === "string" ? message : "bytes"}`),
  };
  return { host, log, sent };
}

describe("the receiver's gate", () => {
  const metadata = encodeShareMessage({ name: "a.txt", size: 1, type: "" });

  it("passes an original sender's metadata on, warning that it is unverified", () => {
    const { host, log } = gateHost();
    const gate = new PakeGate(new ReceiverPake(receiverSide()), host);
    gate.handle(metadata);
    gate.handle(new Uint8Array([1]));
    expect(log).toEqual(["unverified", `deliver ${metadata}`, "deliver bytes"]);
  });

  it("opens after the sender proved the code, and confirms", () => {
    const { host, log, sent } = gateHost();
    const r = new ReceiverPake(receiverSide());
    const s = new SenderPake(senderSide());
    const gate = new PakeGate(r, host);
    const answer = s.onShare((r.shareMessage as { share: string }).share);
    gate.handle(encodeShareMessage(answer as never));
    gate.handle(metadata);
    expect(log).toEqual(["verified 5", `deliver ${metadata}`]);
    expect(sent).toHaveLength(1);
    expect(s.onConfirm((sent[0] as { mac: string }).mac)).toBe(true);
  });

  it.each([
    ["a wrong secret", new ReceiverPake(receiverSide({ secret: "other-words" }))],
    ["no secret at all (a room without one)", undefined],
  ])("stays shut with %s: tells the sender BAD_CODE, delivers nothing", (_, pake) => {
    const { host, log, sent } = gateHost();
    const s = new SenderPake(senderSide());
    const gate = new PakeGate(pake, host);
    const answer = s.onShare(
      (new ReceiverPake(receiverSide()).shareMessage as { share: string }).share,
    );
    gate.handle(encodeShareMessage(answer as never));
    gate.handle(metadata);
    gate.handle(new Uint8Array([1]));
    expect(log).toEqual(["failed BAD_CODE"]);
    expect(sent).toEqual([expect.objectContaining({ kad: "error", code: "BAD_CODE" })]);
  });
});

describe("the sender's driver", () => {
  async function drive(receiver: PakeParams) {
    const channel = new FakeChannel();
    const replies = new ReceiverReplies();
    const r = new ReceiverPake(receiver);
    replies.feed(encodeShareMessage({ kad: "hello", v: 1, pake: 1 }));
    replies.feed(encodeShareMessage(r.shareMessage));
    const proving = proveCodeToReceiver(channel, replies, senderSide(), 1_000);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const answer = channel.texts()[0] as never;
    const confirm = r.onSender(answer);
    if (confirm) replies.feed(encodeShareMessage(confirm));
    else replies.feed(encodeShareMessage({ kad: "error", code: "BAD_CODE", message: "" }));
    return { proving, channel, r };
  }

  it("resolves with the same words the receiver sees", async () => {
    const { proving, channel, r } = await drive(receiverSide());
    await expect(proving).resolves.toBe(r.sas);
    expect(channel.texts()).toHaveLength(1);
  });

  it("rejects with BAD_CODE and sends nothing but its share", async () => {
    const { proving, channel } = await drive(receiverSide({ secret: "wrong-words" }));
    await expect(proving).rejects.toMatchObject({ code: "BAD_CODE" });
    expect(channel.texts().map((m) => (m as { kad: string }).kad)).toEqual(["pake"]);
  });

  it("rejects with TIMEOUT when the receiver never answers", async () => {
    const replies = new ReceiverReplies();
    replies.feed(encodeShareMessage({ kad: "hello", v: 1, pake: 1 }));
    const proving = proveCodeToReceiver(new FakeChannel(), replies, senderSide(), 20);
    await expect(proving).rejects.toMatchObject({ code: "TIMEOUT" });
  });
});

describe("sdpFingerprint", () => {
  it.each([
    ["a=fingerprint:sha-256 ab:cd\r\n", "sha-256 AB:CD"],
    [
      "v=0\r\na=fingerprint:SHA-256 AB:CD\r\nm=application\r\na=fingerprint:sha-256 AB:CD\r\n",
      "sha-256 AB:CD",
    ],
    ["a=fingerprint:sha-256 AB:CD\na=fingerprint:sha-1 11:22\n", "sha-1 11:22,sha-256 AB:CD"],
    ["v=0\r\nm=application 9\r\n", undefined],
    ["a=fingerprint:sha-256 not-hex\r\n", undefined],
  ])("reads %j", (sdp, expected) => {
    expect(sdpFingerprint(sdp)).toBe(expected);
  });
});
