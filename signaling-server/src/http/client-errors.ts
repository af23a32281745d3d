/**
 * What the server writes when Node's HTTP parser gives up on a connection.
 * A connection that never sent a byte gets nothing: browsers open spare
 * connections ahead of time, and a response written onto one is read later
 * as the answer to whatever request the page sends on it.
 */
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

const STATUS_LINES = {
  400: "400 Bad Request",
  408: "408 Request Timeout",
  431: "431 Request Header Fields Too Large",
} as const;

type ClientErrorStatus = keyof typeof STATUS_LINES;

export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const status = statusFor(error, socket as Partial<Socket>);
  if (status === undefined || !socket.writable) {
    socket.destroy();
    return;
  }
  const message = status === 408 ? "request not received in time" : "malformed HTTP request";
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${STATUS_LINES[status]}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
}

/** The status to answer with, or undefined to hang up silently. */
function statusFor(
  error: NodeJS.ErrnoException,
  socket: Partial<Socket>,
): ClientErrorStatus | undefined {
  if (error.code === "ECONNRESET") return undefined;
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    return (socket.bytesRead ?? 0) === 0 ? undefined : 408;
  }
  return error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
}
