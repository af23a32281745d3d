/**
 * The lines the CLI entry prints on stderr for a failure. A message may carry
 * a peer's or a server's words (a refusal, a member name), so every line is
 * escaped like reporter output: nothing reaches the terminal raw, and a
 * newline inside a message cannot print a line of its own.
 */
import type { KadError } from "../../util/errors.js";
import { terminalSafe } from "../../util/terminal-safe.js";

export function kadErrorText(error: KadError): string {
  const hint = error.hint ? `  ${terminalSafe(error.hint)}\n` : "";
  return `kad: ${terminalSafe(error.message)}\n${hint}`;
}

/** The stack as it is, but its message escaped as one line (it may hold newlines). */
export function unexpectedErrorText(error: unknown): string {
  if (!(error instanceof Error)) {
    return `kad: unexpected error, please report it:\n${terminalSafe(String(error))}\n`;
  }
  const head = `${error.name}: ${error.message}`;
  const stack = error.stack ?? head;
  const frames = stack.startsWith(head) ? stack.slice(head.length) : `\n${stack}`;
  const safeFrames = frames.split("\n").map(terminalSafe).join("\n");
  return `kad: unexpected error, please report it:\n${terminalSafe(head)}${safeFrames}\n`;
}
