/**
 * The DTLS certificate fingerprints a session description announces
 * (`a=fingerprint:sha-256 AB:CD:...`), in one canonical form, so that the
 * sender's own SDP and the receiver's copy of it read the same. The PAKE
 * binds them (engine/cpace.ts). No `node:` imports: the page uses this too.
 */
const FINGERPRINT_LINE = /^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/gm;
/** More lines than any real description has: a hostile SDP gets no say beyond that. */
const MAX_FINGERPRINTS = 8;

/** Every fingerprint line, canonical and sorted; undefined when there is none. */
export function sdpFingerprint(sdp: string): string | undefined {
  const found = new Set<string>();
  for (const match of sdp.matchAll(FINGERPRINT_LINE)) {
    if (found.size >= MAX_FINGERPRINTS) break;
    found.add(`${match[1]?.toLowerCase()} ${match[2]?.toUpperCase()}`);
  }
  return found.size > 0 ? [...found].sort().join(",") : undefined;
}
