import { describe, expect, it } from "vitest";
import { KAD_SHARE_VERSION } from "../../../src/protocol/share-messages.js";
import { answererWithHello } from "../../../src/session/receive-one.js";
import type { RtcPeer } from "../../../src/webrtc/peer.js";

/** A peer whose share channel opens and is closed by the time the hello is sent. */
function peerWhoseChannelClosesAsItOpens() {
  const sent: string[] = [];
  const channel = {
    opened: Promise.resolve(),
    sendText(text: string) {
      sent.push(text);
      throw new Error(
        "libdatachannel error while sending data channel message: DataChannel is closed",
      );
    },
  };
  const peer = {
    acceptOffer: async () => ({ type: "answer", sdp: "v=0" }),
    createShareChannel: () => channel,
  } as unknown as RtcPeer;
  return { peer, sent };
}

describe("the receiver's hello", () => {
  it("goes out once the channel opens; a channel already closed by then is no crash", async () => {
    const { peer, sent } = peerWhoseChannelClosesAsItOpens();
    const hello = { kad: "hello", v: KAD_SHARE_VERSION, session: true } as const;
    const answerer = answererWithHello(peer, hello, {
      secret: undefined,
      room: "plain-room",
      share: undefined,
    });
    await answerer.handshake.acceptOffer({ type: "offer", sdp: "v=0" });
    // Vitest fails the run on an unhandled rejection; let the open callback run first.
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0] as string)).toMatchObject({ kad: "hello" });
  });
});
