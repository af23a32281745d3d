/**
 * Turns a name or relative path from the network into safe path segments below
 * the output directory. Pure: the caller joins the segments to its directory.
 * Nothing absolute, no `.`/`..`, no drive letters, no control, zero-width or
 * bidi characters, no characters Windows forbids, no reserved device names.
 */
import { KadError } from "../util/errors.js";
import { isInvisible } from "../util/terminal-safe.js";

export const MAX_SEGMENT_BYTES = 255;
export const MAX_PATH_DEPTH = 32;
export const FALLBACK_NAME = "file";

/** Characters Windows forbids in a name, and the backslash, a separator there. */
const FORBIDDEN = /[<>:"|?*\\]/g;
const DRIVE = /^[a-zA-Z]:$/;
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

const encoder = new TextEncoder();

function truncateToBytes(segment: string): string {
  if (encoder.encode(segment).length <= MAX_SEGMENT_BYTES) return segment;
  const dot = segment.lastIndexOf(".");
  const extension = dot > 0 && segment.length - dot <= 16 ? segment.slice(dot) : "";
  let stem = Array.from(segment.slice(0, segment.length - extension.length));
  while (stem.length > 0 && encoder.encode(stem.join("") + extension).length > MAX_SEGMENT_BYTES) {
    stem = stem.slice(0, -1);
  }
  return stem.join("") + extension;
}

/** One segment made safe, or undefined when nothing usable is left. */
export function sanitizeSegment(raw: string): string | undefined {
  let segment = Array.from(raw.normalize("NFC"))
    .filter((char) => !isInvisible(char))
    .join("");
  if (DRIVE.test(segment)) return undefined;
  segment = segment
    .replace(FORBIDDEN, "_")
    .trim()
    .replace(/[. ]+$/, "");
  if (segment === "" || segment === "." || segment === "..") return undefined;
  if (/^\.+$/.test(segment)) return undefined;
  if (RESERVED.test(segment)) segment = `_${segment}`;
  return truncateToBytes(segment);
}

/**
 * Safe segments for a received file: the kad relative path when there is one,
 * else the plain name. Throws PROTOCOL for paths deeper than MAX_PATH_DEPTH.
 * A kad path separates with `/` only (a `\` is part of a POSIX name and
 * becomes `_`); a plain name from a browser may carry a Windows path.
 */
export function safeRelativeSegments(name: string, relativePath?: string): string[] {
  if (relativePath !== undefined) {
    const segments = sanitizeAll(relativePath.split(/\/+/));
    if (segments.length > 0) return segments;
  }
  // The name is split like any path, or one "segment" could hold a `/` and
  // pass a symbolic link that the per-directory check never sees.
  const segments = sanitizeAll(name.split(/[/\\]+/));
  return segments.length > 0 ? segments : [FALLBACK_NAME];
}

function sanitizeAll(raw: string[]): string[] {
  if (raw.length > MAX_PATH_DEPTH) {
    throw new KadError("PROTOCOL", `the sender's path is deeper than ${MAX_PATH_DEPTH} levels`);
  }
  return raw.map(sanitizeSegment).filter((s): s is string => s !== undefined);
}
