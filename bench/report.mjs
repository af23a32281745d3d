// The side-by-side table on stdout, and latest.json.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const BIOME = fileURLToPath(new URL("../node_modules/.bin/biome", import.meta.url));

const LABELS = {
  kad: "kad -> kad",
  "kad-1": "kad, no lanes",
  raw: "raw, MTU 4000",
  "raw-1200": "raw, MTU 1200",
  "magic-wormhole": "magic-wormhole",
  "wormhole-william": "wormhole-william",
  tcp: "plain TCP",
};

const num = (n, digits, width) => (Number.isFinite(n) ? n.toFixed(digits) : "-").padStart(width);
const label = (name) => (LABELS[name] ?? name).padEnd(18);
const pair = (a, b, digits) => `${num(a, digits, 6)} /${num(b, digits, 6)}`;

function fileRow(name, r) {
  if (r.skipped) return `${label(name)}skipped: ${r.skipped}`;
  const sides = r.sender
    ? `${pair(r.sender.cpuSecondsPerGiB, r.receiver.cpuSecondsPerGiB, 2)}   ${pair(r.sender.peakRssMb, r.receiver.peakRssMb, 0)}`
    : "";
  return `${label(name)}${num(r.mbPerSecond, 1, 8)}${num(r.dataPhaseMbPerSecond, 1, 10)}   ${sides}`;
}

function treeRow(name, r) {
  if (r.skipped) return `${label(name)}skipped: ${r.skipped}`;
  const sides = `${pair(r.sender.cpuSeconds, r.receiver.cpuSeconds, 2)}   ${pair(r.sender.peakRssMb, r.receiver.peakRssMb, 0)}`;
  return `${label(name)}${num(r.seconds, 2, 8)}${num(r.filesPerSecond, 0, 10)}   ${sides}`;
}

export function formatReport(results) {
  const { file, tree } = results;
  return [
    `one ${(results.bytes / 1024 ** 2).toFixed(0)} MiB random file, loopback, best of ${results.rounds} rounds`,
    `${"".padEnd(18)}    MB/s  data MB/s   CPU s/GiB send/recv   peak RSS MB send/recv`,
    ...Object.entries(file).map(([name, r]) => fileRow(name, r)),
    ...(Number.isFinite(results.kadToRawRatio)
      ? [
          `kad / raw (same MTU), end to end ${num(results.kadToRawRatio * 100, 1, 5)} %  (goal >= ${results.goals.ratioGoal * 100} %)`,
        ]
      : []),
    "",
    `a tree of ${tree.files} files of ${tree.fileBytes / 1024} KiB`,
    `${"".padEnd(18)} seconds   files/s   CPU s send/recv       peak RSS MB send/recv`,
    ...Object.entries(tree.results).map(([name, r]) => treeRow(name, r)),
    "",
  ].join("\n");
}

/** Writes the results as the formatter (biome) lays them out, so `npm run lint` passes on them. */
export async function writeResults(path, results) {
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
  await promisify(execFile)(BIOME, ["format", "--write", path]);
}
