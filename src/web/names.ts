/** Random names for this browser in a room, and fresh room codes. */
import { generateCode, secureRandomInt } from "../code/share-code.js";

export function randomRoomCode(): string {
  return generateCode();
}

/** The original browser joined with a UUID; a short readable name is kinder in member lists. */
export function randomUsername(): string {
  return `browser-${String(1000 + secureRandomInt(9000))}`;
}
