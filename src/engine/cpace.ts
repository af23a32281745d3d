/**
 * CPace over ristretto255 (after draft-irtf-cfrg-cpace), the primitives only:
 * the group and hashes come from @noble/curves and @noble/hashes. Both
 * peers derive one generator from the secret part of the code and the room,
 * exchange one point each, and get the same key only if both used the same
 * secret. The key is bound to a transcript that includes both DTLS
 * certificate fingerprints as each side sees them: a man in the middle
 * terminates DTLS separately towards each peer, so the two transcripts differ
 * and the confirmations fail even if it relays every message.
 */
import { ristretto255, ristretto255_hasher } from "@noble/curves/ed25519.js";
import { bytesToNumberLE, equalBytes } from "@noble/curves/utils.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { concatBytes, randomBytes, utf8ToBytes } from "@noble/hashes/utils.js";

const GENERATOR_DST = "kad-cpace-ristretto255-v1";
/** Bytes of a confirmation MAC (an encoded ristretto255 point is 32 bytes too). */
export const MAC_BYTES = 32;

type Point = InstanceType<typeof ristretto255.Point>;

/** Everything both peers must agree on besides the secret; fingerprints ordered sender first. */
export interface Transcript {
  room: string;
  version: number;
  senderFingerprint: string;
  receiverFingerprint: string;
}

export interface CpaceKeys {
  senderConfirm: Uint8Array;
  receiverConfirm: Uint8Array;
  /** Source of the short authentication string (--verify). */
  sas: Uint8Array;
}

/** Length-prefixed so that no two different field lists hash alike. */
function lv(...fields: (string | Uint8Array)[]): Uint8Array {
  return concatBytes(
    ...fields.flatMap((field) => {
      const bytes = typeof field === "string" ? utf8ToBytes(field) : field;
      const length = new Uint8Array(4);
      new DataView(length.buffer).setUint32(0, bytes.length);
      return [length, bytes];
    }),
  );
}

function generator(secret: string, room: string, version: number): Point {
  const input = lv(secret, `kad-share-v${version}`, room);
  return ristretto255_hasher.hashToCurve(input, { DST: GENERATOR_DST }) as Point;
}

function randomScalar(random: (bytes: number) => Uint8Array): bigint {
  const order = ristretto255.Point.Fn.ORDER;
  for (;;) {
    const scalar = bytesToNumberLE(random(64)) % order;
    if (scalar !== 0n) return scalar;
  }
}

/** One side's ephemeral share: send `share`, keep the rest until the peer's share arrives. */
export class CpaceShare {
  readonly share: Uint8Array;
  private readonly scalar: bigint;

  constructor(
    secret: string,
    room: string,
    version: number,
    random: (bytes: number) => Uint8Array = randomBytes,
  ) {
    this.scalar = randomScalar(random);
    this.share = generator(secret, room, version).multiply(this.scalar).toBytes();
  }

  /**
   * The keys for this transcript, or undefined when the peer's share is no
   * valid point or yields the identity (a peer that sent a low-order point).
   */
  keys(peerShare: Uint8Array, ownIsSender: boolean, transcript: Transcript): CpaceKeys | undefined {
    let peer: Point;
    try {
      peer = ristretto255.Point.fromBytes(peerShare);
    } catch {
      return undefined;
    }
    const shared = peer.multiply(this.scalar);
    if (shared.is0()) return undefined;
    const [senderShare, receiverShare] = ownIsSender
      ? [this.share, peerShare]
      : [peerShare, this.share];
    const isk = sha512(
      lv(
        "kad-cpace-isk",
        shared.toBytes(),
        senderShare,
        receiverShare,
        transcript.senderFingerprint,
        transcript.receiverFingerprint,
        transcript.room,
        String(transcript.version),
      ),
    );
    const derive = (label: string) => hkdf(sha256, isk, undefined, utf8ToBytes(label), MAC_BYTES);
    return {
      senderConfirm: derive("kad sender confirm"),
      receiverConfirm: derive("kad receiver confirm"),
      sas: derive("kad short authentication string"),
    };
  }
}

export function confirmationMac(key: Uint8Array, role: "sender" | "receiver"): Uint8Array {
  return hmac(sha256, key, utf8ToBytes(`kad ${role} confirms`));
}

export function macMatches(key: Uint8Array, role: "sender" | "receiver", mac: Uint8Array): boolean {
  return equalBytes(confirmationMac(key, role), mac);
}
