/**
 * Serves the web page from a directory. Paths are decoded, normalised and
 * resolved inside the root (symlinks included); dotfiles and anything outside
 * the root are 404. "/" serves index.html.
 */
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, sep } from "node:path";
import { HttpError } from "./respond.js";
import { PAGE_SECURITY_HEADERS } from "./security-headers.js";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
  ".wasm": "application/wasm",
};

interface StaticFile {
  path: string;
  size: number;
}

/** Maps a URL path to a file inside `root`, or undefined when it must not be served. */
async function resolveStaticPath(root: string, urlPath: string): Promise<StaticFile | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const segments = decoded.split("/").filter((segment) => segment.length > 0);
  if (segments.some((segment) => segment.startsWith("."))) return undefined;
  if (segments.length === 0) segments.push("index.html");
  try {
    const realRoot = await realpath(root);
    const target = await realpath(join(realRoot, ...segments));
    if (!target.startsWith(realRoot + sep)) return undefined;
    const info = await stat(target);
    if (info.isDirectory()) return resolveStaticPath(root, `${urlPath}/index.html`);
    return info.isFile() ? { path: target, size: info.size } : undefined;
  } catch {
    return undefined;
  }
}

export async function serveStatic(
  root: string,
  request: IncomingMessage,
  response: ServerResponse,
  urlPath: string,
): Promise<void> {
  const file = await resolveStaticPath(root, urlPath);
  if (!file) throw new HttpError(404, "not found");
  response.writeHead(200, {
    "Content-Type": CONTENT_TYPES[extname(file.path).toLowerCase()] ?? "application/octet-stream",
    "Content-Length": String(file.size),
    "Cache-Control": "no-cache",
    ...PAGE_SECURITY_HEADERS,
  });
  if (request.method === "HEAD") {
    response.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(file.path);
    stream.on("error", () => {
      response.destroy();
      resolve();
    });
    response.on("close", () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(response);
  });
}
