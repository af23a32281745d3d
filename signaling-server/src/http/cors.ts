/**
 * CORS for the coordinator API (browser-protocol.md section 1). With an
 * allowlist, only listed origins get the headers; without one, any origin may
 * call the API (it carries no credentials).
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export function isOriginAllowed(
  origin: string | undefined,
  allowOrigins: ReadonlySet<string> | undefined,
): boolean {
  if (!allowOrigins) return true;
  return origin !== undefined && allowOrigins.has(origin);
}

export function applyCors(
  request: IncomingMessage,
  response: ServerResponse,
  allowOrigins: ReadonlySet<string> | undefined,
): void {
  const origin = request.headers.origin;
  if (allowOrigins) {
    response.setHeader("Vary", "Origin");
    if (!origin || !allowOrigins.has(origin)) return;
  }
  response.setHeader("Access-Control-Allow-Origin", allowOrigins ? (origin as string) : "*");
  response.setHeader("Access-Control-Allow-Methods", "POST, GET");
  response.setHeader("Access-Control-Allow-Headers", "Content-Type");
}
