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
