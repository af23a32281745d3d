/** The errors both sides end with when a connection never came up. */
import { KadError } from "../util/errors.js";

export function noPathError(relayConfigured: boolean, cause?: unknown): KadError {
  if (relayConfigured) {
    return new KadError(
      "PEER_UNREACHABLE",
      "no network path to the peer, not even through the TURN relay",
      {
        cause,
        hint: "A firewall likely blocks UDP (or the TURN server's port) on one side; run kad doctor on both machines, or ask the server's operator for a turns: URL on port 443.",
      },
    );
  }
  return new KadError(
    "PEER_UNREACHABLE",
    "no network path to the peer (no TURN relay was available)",
    {
      cause,
      hint: "The two networks cannot reach each other directly (NAT or firewall). The server offers no TURN relay: its operator can add one (kad serve --turn-url, --turn-secret-file), or pass one with --ice turn:USER:PASS@HOST:3478. If UDP is blocked, run kad doctor.",
    },
  );
}

/**
 * ICE connected but DTLS did not: the peer's certificate was not the one its
 * session description named (or the handshake broke on the way).
 */
export class HandshakeRefused extends KadError {
  constructor(cause?: unknown) {
    super(
      "PEER_UNREACHABLE",
      "the encrypted connection to the peer failed: its certificate did not match the one the server passed on",
      {
        cause,
        hint: "Someone between the two sides (the server or the network) may have changed the connection's set-up. Try again; if it happens again, use another server or network.",
      },
    );
  }
}
