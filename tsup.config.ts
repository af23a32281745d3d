import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: {
      cli: "src/cli/main.ts",
      launch: "src/launch/main.ts",
      server: "signaling-server/src/main.ts",
    },
    // CommonJS, one file per entry: the launcher (src/launch/) runs the CLI
    // from a V8 code cache, which Node 20 offers for scripts, not for ES
    // modules. Commands still load their own code only when run: esbuild
    // keeps each import() of a bundled module lazy.
    format: "cjs",
    target: "node20",
    platform: "node",
    outDir: "dist",
    // dist/web is the web page's build below; both run at once.
    clean: ["!web/**"],
    sourcemap: true,
    // import.meta.url (where dist/web is) from __filename.
    shims: true,
    // Bundled, so `kad` starts without resolving and lexing dozens of files
    // (about 150 ms less to the first byte on this machine). The native
    // module stays outside, and so do pino (its transports load files by
    // name), ioredis (only `kad serve --redis`) and qrcode-terminal (its
    // legacy octal escapes do not bundle; TTY only); src/util/external-module.ts
    // says how they are loaded.
    noExternal: [/^(?!node-datachannel$|pino$|ioredis$|qrcode-terminal$).*/],
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
