/** A MIME type for the metadata `type` field; empty when unknown, as a browser's File.type. */
const TYPES: Record<string, string> = {
  txt: "text/plain",
  md: "text/markdown",
  html: "text/html",
  css: "text/css",
  csv: "text/csv",
  js: "text/javascript",
  json: "application/json",
  xml: "application/xml",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  tar: "application/x-tar",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
  mp3: "audio/mpeg",
  wav: "audio/wav",
  mp4: "video/mp4",
  webm: "video/webm",
};

export function mimeTypeOf(name: string): string {
  const dot = name.lastIndexOf(".");
  if (dot < 0) return "";
  return TYPES[name.slice(dot + 1).toLowerCase()] ?? "";
}
