/** Random names for this browser in a room, and fresh room codes. */
import {
  generateCode,
  generateSecret,
  type SplitCode,
  secureRandomInt,
  splitCode,
} from "../code/share-code.js";

/** A fresh code, as the room the server sees and the secret words it never does. */
export function randomRoomCode(): { room: string; secret: string } {
  const split = splitCode(generateCode()) as SplitCode;
  return { room: split.room, secret: split.secret ?? generateSecret() };
}

/** Secret words for a room whose name the person chose. */
export function randomSecret(): string {
  return generateSecret();
}

/** The original browser joined with a UUID; a short readable name is kinder in member lists. */
export function randomUsername(): string {
  return `browser-${String(1000 + secureRandomInt(9000))}`;
}
