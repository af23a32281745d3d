// The contestants: each moves one source (a file or a directory) into an
// empty outDir and resolves with { wallMs, dataPhaseMs, sender, receiver },
// sender and receiver being GNU time's { cpuSeconds, peakRssMb } of that side.
// wallMs runs from starting the first process to the last one's exit.
import { join } from "node:path";
import { kadTransfer } from "./kad-transfer.mjs";
import { measurement } from "./measure.mjs";
import { runRawTransfer } from "./raw-pair.mjs";

/** What kad uses when ICE is bound to loopback (src/session/ice.ts LOOPBACK_SCTP_MTU). */
export const KAD_LOOPBACK_MTU = 4000;

/** Tries again once when the peers did not connect (raw-pair.mjs connectionFailed). */
async function rawTransfer(options) {
  try {
    return await rawTransferOnce(options);
  } catch (error) {
    if (!error.connectionFailed) throw error;
    process.stderr.write(`raw: ${error.message}; trying again\n`);
    return rawTransferOnce(options);
  }
}

async function rawTransferOnce({ source, outDir, dir, timeoutMs, mtu }) {
  const sides = { sender: measurement(dir), receiver: measurement(dir) };
  const startedAt = performance.now();
  const { receiver, exited } = await runRawTransfer(source, join(outDir, "raw.bin"), {
    timeoutMs,
    mtu,
    prefix: (role) => sides[role].prefix,
  });
  await exited;
  return {
    wallMs: performance.now() - startedAt,
    dataPhaseMs: receiver.dataMs,
    sender: await sides.sender.read(),
    receiver: await sides.receiver.read(),
  };
}

/** name -> transfer(options) for everything that can run; anchors come from anchors.mjs. */
export function contestants({ kad, dir, anchors }) {
  return new Map([
    ["kad", (options) => kadTransfer({ ...options, kad, dir })],
    ["kad-1", (options) => kadTransfer({ ...options, kad, dir, lanes: 0 })],
    ["raw", (options) => rawTransfer({ ...options, dir, mtu: KAD_LOOPBACK_MTU })],
    ["raw-1200", (options) => rawTransfer({ ...options, dir })],
    ...anchors.transfers,
  ]);
}
