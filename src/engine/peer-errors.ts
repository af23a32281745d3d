/**
 * The refusal codes that travel in `{"kad":"error"}` (share-messages.ts),
 * both ways: a peer's code to the error this side reports, and this side's
 * failure to the code it tells the peer.
 */
import type { ShareErrorCode } from "../protocol/share-messages.js";
import { KadError } from "../util/errors.js";

export const BAD_CODE_MESSAGE =
  "the code did not match: a typo, or someone is in between; nothing was sent";

export function badCode(): KadError {
  return new KadError("BAD_CODE", BAD_CODE_MESSAGE, {
    hint: "Check the code with the other side, every word, and try again.",
  });
}

export function errorFromPeer(code: string, message: string): KadError {
  const text = message ? `the peer refused: ${message}` : `the peer refused (${code})`;
  switch (code) {
    case "EXISTS":
      return new KadError("EXISTS", text, {
        hint: "The receiver can pass --overwrite, or receive into another directory.",
      });
    case "INTEGRITY":
      return new KadError("INTEGRITY", text, { hint: "Nothing was saved; send it again." });
    case "DISK":
      return new KadError("DISK", text, {
        hint: "The receiver could not store the data; send again once it has fixed that.",
      });
    case "INTERRUPTED":
      return new KadError("PEER_LEFT", "the peer cancelled the transfer");
    case "BAD_CODE":
      return badCode();
    default:
      return new KadError("PROTOCOL", text);
  }
}

export function shareCodeFor(error: KadError): ShareErrorCode {
  switch (error.code) {
    case "EXISTS":
    case "INTEGRITY":
    case "DISK":
    case "INTERRUPTED":
    case "BAD_CODE":
      return error.code;
    default:
      return "PROTOCOL";
  }
}
