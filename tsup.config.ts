import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: {
      cli: "src/cli/main.ts",
      server: "signaling-server/src/main.ts",
    },
    format: "esm",
    target: "node20",
    platform: "node",
    outDir: "dist",
    // dist/web is the web page's build below; both run at once.
    clean: ["!web/**"],
    sourcemap: true,
    splitting: true,
    // Bundled, so `kad` starts without resolving and lexing dozens of files
    // (about 150 ms less to the first byte on this machine). The native
    // module stays outside, and so do pino (its
    // transports load files by name), ioredis (only `kad serve --redis`) and
    // qrcode-terminal (its legacy octal escapes do not bundle; TTY only).
    noExternal: [/^(?!node-datachannel$|pino$|ioredis$|qrcode-terminal$).*/],
    // Bundled CommonJS (ws, commander) still requires Node's own modules.
    banner: {
      js: 'import { createRequire as __kadRequire } from "node:module"; const require = __kadRequire(import.meta.url);',
    },
  },
  {
    // The web page `kad serve` serves: one self-contained bundle, no CDN.
    entry: { app: "src/web/main.ts" },
    format: "esm",
    target: "es2022",
    platform: "browser",
    outDir: "dist/web",
    publicDir: "src/web/public",
    noExternal: [/.*/],
    clean: true,
    minify: true,
    sourcemap: true,
    splitting: false,
  },
]);
