/**
 * What the address's fragment asks for. A room code comes from whoever made
 * the link, so it is checked here, before any view shows it (title, heading,
 * the suggested `kad receive` command line). A kad link `#/<room>/<secret>`
 * (or `#/<code>`) also carries the code's secret words, which the page keeps
 * to itself for the code check (src/engine/pake.ts).
 */
import { splitCode } from "../code/share-code.js";

export type Route =
  | { kind: "home" }
  | { kind: "room"; code: string; secret?: string }
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
  const split = splitCode(code.replace(/\/+$/, "").replace("/", "-"));
  if (!split) return { kind: "bad-link" };
  return split.secret
    ? { kind: "room", code: split.room, secret: split.secret }
    : { kind: "room", code: split.room };
}
