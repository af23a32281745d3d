/**
 * Why a page's peer connection never opened, in words a person can act on.
 * Like the CLI (src/webrtc/no-path.ts), the page tells apart no network path
 * at all from a path whose encrypted handshake (DTLS) failed: the second
 * means a certificate that did not match the one the server passed on, or a
 * handshake that broke on the way, and trying again is the way out.
 */
import { PageError } from "./page-error.js";

export interface ConnectionSnapshot {
  /** The wait for both channels ran out before the connection failed. */
  timedOut: boolean;
  connectionState: RTCPeerConnectionState;
  iceConnectionState: RTCIceConnectionState;
}

/** ICE states in which a network path to the other side was found. */
const PATH_FOUND: ReadonlySet<RTCIceConnectionState> = new Set(["connected", "completed"]);

export function connectFailure(snapshot: ConnectionSnapshot, timeoutMs: number): PageError {
  if (snapshot.connectionState === "failed" && PATH_FOUND.has(snapshot.iceConnectionState)) {
    return new PageError(
      "peer-unreachable",
      "Reached the other side, but the encrypted connection failed: its certificate did not match the one the server passed on, or the handshake broke on the way. Try again; if it happens again, use another server or network.",
    );
  }
  if (snapshot.timedOut && PATH_FOUND.has(snapshot.iceConnectionState)) {
    return new PageError(
      "peer-unreachable",
      `Reached the other side, but the connection did not open within ${timeoutMs / 1000} s. Try again.`,
    );
  }
  return new PageError(
    "peer-unreachable",
    "Could not open a direct connection to the other side. Are both devices on the same network, or can they reach each other?",
  );
}
