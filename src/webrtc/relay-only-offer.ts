/**
 * A kad sender's relay-only attempt says so in its offer, with a media-level
 * attribute that browsers and libdatachannel ignore, so that a kad receiver
 * gathers relayed candidates only as well: behind two NATs a side that still
 * sends direct checks spoils the conntrack state the relayed pair needs.
 */
const RELAY_ONLY_ATTRIBUTE = "a=x-kad-ice-policy:relay";

export function markRelayOnly(sdp: string): string {
  if (sdp.includes(RELAY_ONLY_ATTRIBUTE)) return sdp;
  const newline = sdp.includes("\r\n") ? "\r\n" : "\n";
  return `${sdp.replace(/\s+$/, "")}${newline}${RELAY_ONLY_ATTRIBUTE}${newline}`;
}

export function asksRelayOnly(offer: unknown): boolean {
  if (typeof offer !== "object" || offer === null) return false;
  const sdp = (offer as { sdp?: unknown }).sdp;
  return typeof sdp === "string" && sdp.split(/\r?\n/).includes(RELAY_ONLY_ATTRIBUTE);
}
