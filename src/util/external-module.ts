/**
 * The packages left out of the bundles (tsup.config.ts: node-datachannel,
 * pino, ioredis) are loaded with require, not import(). The CLI bundle runs
 * from a V8 code cache (src/launch/), and Node 20 loses the dynamic-import
 * hook of code deserialized from such a cache: import() there throws "A
 * dynamic import callback was not specified".
 */
import { createRequire } from "node:module";

export const requireExternal = createRequire(import.meta.url);
