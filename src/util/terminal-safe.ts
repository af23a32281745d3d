/**
 * Strings from a peer or a server (member names, file names, refusal
 * messages) made safe to print. Raw, an ESC could set the window title
 * (OSC 0), write the clipboard (OSC 52) or move the cursor, a newline could
 * print a fake "received" line, and a bidi override could reorder a name.
 * Such characters become visible escapes instead of being dropped, so that
 * what the peer sent stays recognisable. Pure: the web page may reuse it.
 */

/**
 * C0/C1 controls, DEL, soft hyphen, the Arabic letter mark, zero-width
 * characters, bidi marks, overrides and isolates, line and paragraph
 * separators, word joiner and invisible operators, BOM.
 */
export function isInvisible(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0xad ||
    code === 0x61c ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x2069) ||
    code === 0xfeff
  );
}

const SHORT_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function hex(code: number, digits: number): string {
  return code.toString(16).padStart(digits, "0");
}

/** `\n`, `\x1b`, `\u202e`: what the character was, in printable ASCII. */
function escapeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return SHORT_ESCAPES[char] ?? (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
}

/** `text` with every invisible or controlling character escaped visibly; one line always. */
export function terminalSafe(text: string): string {
  let safe = "";
  for (const char of text) safe += isInvisible(char) ? escapeChar(char) : char;
  return safe;
}

/**
 * One JSON line whose bytes carry no control, bidi or line-separator
 * character: JSON.stringify escapes C0 only, so the rest become `\uXXXX`
 * too. A JSON reader gets exactly the same value back.
 */
export function jsonLine(value: unknown): string {
  let line = "";
  for (const char of JSON.stringify(value)) {
    line += isInvisible(char) ? `\\u${hex(char.codePointAt(0) ?? 0, 4)}` : char;
  }
  return line;
}
