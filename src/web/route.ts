/**
 * What the address's fragment asks for. A room code comes from whoever made
 * the link, so it is checked here, before any view shows it (title, heading,
 * the suggested `kad receive` command line). A kad link `#/<room>/<secret>`
 * (or `#/<code>`) also carries the code's secret words, which the page keeps
 * to itself for the code check (src/engine/pake.ts).
 */
import { plainRoomFallback, splitCode } from "../code/share-code.js";

export type Route =
  /** `plain`: the whole text as an original client's room, if the split room does not exist. */
  | { kind: "room"; code: string; secret?: string; plain?: string }
  | { kind: "home" }
  | { kind: "bad-link" };

export function parseRoute(hash: string): Route {
  const match = /^#\/(.+)$/.exec(hash);
  if (!match?.[1]) return { kind: "home" };
  let code: string;
  try {
    code = decodeURIComponent(match[1]).trim();
  } catch {
    return { kind: "bad-link" };
  }
  const text = code.replace(/\/+$/, "");
  const split = splitCode(text.replace("/", "-"));
  if (!split) return { kind: "bad-link" };
  if (!split.secret) return { kind: "room", code: split.room };
  // `#/<room>/<secret>` says where the secret starts; only `#/<code>` may be a plain room.
  const plain = text.includes("/") ? undefined : plainRoomFallback(text);
  return { kind: "room", code: split.room, secret: split.secret, ...(plain ? { plain } : {}) };
}
