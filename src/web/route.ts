/**
 * What the address's fragment asks for. A room code comes from whoever made
 * the link, so it is checked here, before any view shows it (title, heading,
 * the suggested `kad receive` command line).
 */
import { ROOM_NAME_PATTERN } from "../protocol/limits.js";

export type Route = { kind: "home" } | { kind: "room"; code: string } | { kind: "bad-link" };

export function parseRoute(hash: string): Route {
  const match = /^#\/(.+)$/.exec(hash);
  if (!match?.[1]) return { kind: "home" };
  let code: string;
  try {
    code = decodeURIComponent(match[1]).trim();
  } catch {
    return { kind: "bad-link" };
  }
  return ROOM_NAME_PATTERN.test(code) ? { kind: "room", code } : { kind: "bad-link" };
}
