/**
 * Headers for the web page and its files. The policy is the one the page
 * declares in its <meta http-equiv="Content-Security-Policy"> (keep the two
 * equal; a test compares them), plus what a meta tag cannot express:
 * frame-ancestors, so no other site can frame the page and overlay it.
 */
const PAGE_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
  "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; form-action 'none'";

export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": `${PAGE_POLICY}; frame-ancestors 'none'`,
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
};
