/** Promises over RTCDataChannel / RTCPeerConnection events, shared by both transfer directions. */
import { PageError } from "./page-error.js";
import type { PeerLink } from "./peer-link.js";

export function peerLeft(): PageError {
  return new PageError("peer-left", "The other side left before the transfer finished.");
}

/** Rejects once the connection dies. ("disconnected" may recover, so it is not final.) */
export function connectionLost(link: PeerLink): Promise<never> {
  return new Promise((_, reject) => {
    const check = () => {
      const state = link.pc.connectionState;
      if (state === "failed" || state === "closed") reject(peerLeft());
    };
    link.pc.addEventListener("connectionstatechange", check);
    check();
  });
}

export function channelClosed(channel: RTCDataChannel): Promise<void> {
  if (channel.readyState === "closed") return Promise.resolve();
  return new Promise((resolve) =>
    channel.addEventListener("close", () => resolve(), { once: true }),
  );
}
