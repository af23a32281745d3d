/**
 * The coordinator API's few small JSON requests over node:http(s). Node's
 * global fetch loads undici on first use, which cost 20-50 ms of start-up on
 * each side, on the path to the first byte; these requests need none of it.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { FetchLike, FetchResponseLike } from "../protocol/coordinator-client.js";

/** Coordinator replies are a room's URI or a small JSON object; anything larger is refused. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export const httpFetch: FetchLike = (url, init) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    if (target.protocol !== "http:" && target.protocol !== "https:") {
      reject(new Error(`not an http(s) URL: ${url}`));
      return;
    }
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const body = init.body === undefined ? undefined : Buffer.from(init.body);
    const request = send(target, {
      method: init.method,
      headers: { ...init.headers, ...(body ? { "Content-Length": String(body.length) } : {}) },
      signal: init.signal,
      // One request per connection: nothing lingers to keep the process alive.
      agent: false,
    });
    request.once("error", reject);
    request.once("response", (response) => {
      readBounded(response).then(
        (text) => resolve(responseOf(response.statusCode ?? 0, text)),
        (error) => {
          request.destroy();
          reject(error);
        },
      );
    });
    request.end(body);
  });

function responseOf(status: number, text: string): FetchResponseLike {
  return { status, json: async () => JSON.parse(text) as unknown };
}

function readBounded(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    response.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_RESPONSE_BYTES) {
        // Rejected before destroy(), whose "aborted" would otherwise win.
        reject(new Error(`the server's reply is larger than ${MAX_RESPONSE_BYTES} bytes`));
        response.destroy();
        return;
      }
      chunks.push(chunk);
    });
    response.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    response.once("error", reject);
    response.once("aborted", () => reject(new Error("the server's reply was cut off")));
  });
}
