import { describe, expect, it } from "vitest";
import { MIXED_ATTEMPT_MS } from "../../../src/protocol/sender-retry.js";
import {
  CONNECT_TIMEOUT_MS,
  connectAttempts,
  isFresh,
  PREPARED_PEER_MAX_AGE_MS,
  RELAY_RETRY_STATUS,
} from "../../../src/session/peer-connect.js";
import type { IceConfig } from "../../../src/webrtc/peer.js";

const direct: IceConfig = { iceServers: [], bindAddress: "127.0.0.1" };
const withRelay: IceConfig = {
  iceServers: ["turn:u:p@127.0.0.1:3478"],
  bindAddress: undefined,
};

describe("connectAttempts", () => {
  it("without a relay: one attempt with every candidate", () => {
    expect(connectAttempts(direct)).toEqual([{ ice: direct, waitMs: CONNECT_TIMEOUT_MS }]);
  });

  it("with a relay: every candidate first, then relayed candidates only", () => {
    expect(connectAttempts(withRelay)).toEqual([
      { ice: withRelay, waitMs: MIXED_ATTEMPT_MS },
      {
        ice: { ...withRelay, policy: "relay" },
        waitMs: CONNECT_TIMEOUT_MS,
        status: RELAY_RETRY_STATUS,
      },
    ]);
  });

  it("the relay-only attempt says why the wait goes on", () => {
    expect(RELAY_RETRY_STATUS).toBe(
      "no direct connection within 5 s; trying through the TURN relay",
    );
  });

  it("early (a kad receiver): the first attempt early, then the same one the usual way", () => {
    expect(connectAttempts(withRelay, true)).toEqual([
      { ice: withRelay, waitMs: MIXED_ATTEMPT_MS, early: true },
      { ice: withRelay, waitMs: MIXED_ATTEMPT_MS },
      {
        ice: { ...withRelay, policy: "relay" },
        waitMs: CONNECT_TIMEOUT_MS,
        status: RELAY_RETRY_STATUS,
      },
    ]);
  });
});

describe("a peer prepared while the sender waits", () => {
  it("serves the first attempt only with the same ICE settings and while fresh", () => {
    const madeAt = 1_000_000;
    expect(isFresh({ ice: direct, madeAt }, direct, madeAt + 10)).toBe(true);
    expect(isFresh({ ice: direct, madeAt }, direct, madeAt + PREPARED_PEER_MAX_AGE_MS)).toBe(true);
    expect(isFresh({ ice: direct, madeAt }, direct, madeAt + PREPARED_PEER_MAX_AGE_MS + 1)).toBe(
      false,
    );
    expect(isFresh({ ice: direct, madeAt }, { ...direct }, madeAt + 10)).toBe(false);
  });
});
