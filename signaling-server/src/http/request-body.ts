/** Reading a small request body with a hard byte limit and a media-type check. */
import type { IncomingMessage } from "node:http";
import { HttpError } from "./respond.js";

function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** True unless the Accept header rules out JSON (a missing header accepts anything). */
export function acceptsJson(request: IncomingMessage): boolean {
  const accept = request.headers.accept;
  if (!accept) return true;
  return accept
    .split(",")
    .map((part) => mediaType(part))
    .some((type) => type === "application/json" || type === "application/*" || type === "*/*");
}

/** Reads a JSON body; throws HttpError 415, 413 or 400. */
export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  if (mediaType(request.headers["content-type"]) !== "application/json") {
    throw new HttpError(415, "Content-Type must be application/json");
  }
  const text = await readLimited(request, maxBytes);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "body is not valid JSON");
  }
}

async function readLimited(request: IncomingMessage, maxBytes: number): Promise<string> {
  const tooLarge = () =>
    new HttpError(413, `body is larger than ${maxBytes} bytes`, { Connection: "close" });
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
