/** Shared pieces for tests that drive the initiate chain. */
import type { SignalingClient } from "./signaling-client.js";

export const OFFER = { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" };
export const ANSWER = { type: "answer", sdp: "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n" };
export const CANDIDATES = [
  { candidate: "candidate:1 1 UDP 1 127.0.0.1 5000 typ host", sdpMid: "0", sdpMLineIndex: 0 },
];

/** The peer id `observer` sees for the member called `name`. */
export async function peerIdOf(observer: SignalingClient, name: string): Promise<string> {
  const reply = await observer.request("users", {});
  const member = (reply.payload as Array<{ id: string; name: string }>).find(
    (m) => m.name === name,
  );
  if (!member) throw new Error(`${name} is not listed`);
  return member.id;
}
