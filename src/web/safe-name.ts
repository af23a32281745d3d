/**
 * A received file name reduced to something safe to offer as a download name:
 * the last path segment, no control or bidi-override characters, bounded length.
 * (Chromium sanitises download names too; this keeps what the page shows honest.)
 */
const MAX_NAME_LENGTH = 200;
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

export function safeFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? "";
  const clean = base.replace(UNSAFE, "").trim().slice(0, MAX_NAME_LENGTH);
  if (clean === "" || clean === "." || clean === "..") return "download";
  return clean;
}
