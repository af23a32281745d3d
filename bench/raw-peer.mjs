// A bare node-datachannel peer in its own process: the smallest thing that
// moves a file over an ordered "share" data channel. The foundation test uses
// it to prove the native module works; the benchmark uses it as the raw
// ceiling kad is measured against. Signaling goes through the parent's IPC.
//
//   fork("bench/raw-peer.mjs", ["send", FILE]) / fork(..., ["receive", FILE])
//   parent relays {kind:"description"|"candidate"} messages between the two;
//   each child ends with {kind:"result", bytes, sha256, ms, dataMs} and exits 0.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import nodeDataChannel from "node-datachannel";

const CHUNK_BYTES = 64 * 1024;
// Read as kad reads (src/transfer/outgoing-file.ts), sent in CHUNK_BYTES messages.
const READ_BYTES = 1024 * 1024;
const HIGH_WATER_BYTES = 4 * 1024 * 1024;
const LOW_WATER_BYTES = 1024 * 1024;

const [role, file] = process.argv.slice(2);
const peer = new nodeDataChannel.PeerConnection(role, {
  iceServers: [],
  bindAddress: process.env.KAD_BIND ?? "127.0.0.1",
  ...(process.env.BENCH_SCTP_MTU ? { mtu: Number(process.env.BENCH_SCTP_MTU) } : {}),
});
const pendingCandidates = [];
let remoteDescriptionSet = false;
let channel;
let closed = false;
const startedAt = performance.now();

function report(message) {
  process.send?.(message);
}

function fail(error) {
  report({ kind: "error", message: String(error?.stack ?? error) });
  shutdown(1);
}

function shutdown(code) {
  closed = true;
  try {
    channel?.close();
    peer.close();
  } finally {
    nodeDataChannel.cleanup();
    process.exitCode = code;
    process.disconnect?.();
  }
}

function guarded(callback) {
  return (...args) => {
    try {
      callback(...args);
    } catch (error) {
      fail(error);
    }
  };
}

peer.onStateChange(guarded((state) => report({ kind: "state", state })));
peer.onLocalDescription(guarded((sdp, type) => report({ kind: "description", sdp, type })));
peer.onLocalCandidate(guarded((candidate, mid) => report({ kind: "candidate", candidate, mid })));

process.on(
  "message",
  guarded((message) => {
    // Late candidates may still arrive after the transfer ended and the peer closed.
    if (closed) return;
    if (message.kind === "description") {
      peer.setRemoteDescription(answerAsDtlsServer(message), message.type);
      remoteDescriptionSet = true;
      for (const c of pendingCandidates.splice(0)) addCandidate(c);
    } else if (message.kind === "candidate") {
      if (remoteDescriptionSet) addCandidate(message);
      else pendingCandidates.push(message);
    }
  }),
);

// As kad does (src/webrtc/peer.ts acceptOffer): the answerer takes the DTLS
// server role. As the client, its ClientHello often reached an offerer not yet
// listening and waited out a 1 s retransmission: raw then connected in about
// 1.1 s instead of 30 ms in some rounds, and fell below its own ceiling.
function answerAsDtlsServer({ sdp, type }) {
  return type === "offer" ? sdp.replace(/a=setup:actpass/g, "a=setup:active") : sdp;
}

// libdatachannel sometimes refuses a trickled candidate ("without ICE
// transport") under load; the connection forms from the others, as in kad.
function addCandidate({ candidate, mid }) {
  try {
    peer.addRemoteCandidate(candidate, mid);
  } catch {}
}

// ms counts from the process start; dataMs (receiver) from the first byte in,
// as kad's data phase does, so that the two compare at any file size.
function finish(bytes, hash, firstByteAt) {
  const now = performance.now();
  const dataMs = firstByteAt === undefined ? undefined : now - firstByteAt;
  report({ kind: "result", bytes, sha256: hash.digest("hex"), ms: now - startedAt, dataMs });
  shutdown(0);
}

// Messages sent before this listener existed would be lost: say we listen.
report({ kind: "ready" });

if (role === "send") {
  channel = peer.createDataChannel("share");
  channel.onOpen(guarded(() => sendFile(channel)));
} else {
  peer.onDataChannel(guarded((incoming) => receiveFile(incoming)));
}

async function sendFile(dc) {
  const hash = createHash("sha256");
  let bytes = 0;
  dc.setBufferedAmountLowThreshold(LOW_WATER_BYTES);
  let drained = () => {};
  dc.onBufferedAmountLow(() => drained());
  try {
    for await (const block of fileBlocks(file)) {
      hash.update(block);
      bytes += block.length;
      for (let at = 0; at < block.length; at += CHUNK_BYTES) {
        dc.sendMessageBinary(block.subarray(at, at + CHUNK_BYTES));
      }
      if (dc.bufferedAmount() > HIGH_WATER_BYTES) {
        await new Promise((resolve) => {
          drained = resolve;
        });
      }
    }
    dc.sendMessage("end");
  } catch (error) {
    fail(error);
    return;
  }
  // The receiver closes the channel once it holds everything.
  dc.onClosed(guarded(() => finish(bytes, hash)));
}

// As kad reads (src/transfer/outgoing-file.ts fileBlocks): two reused buffers,
// the next block read while this one is sent.
async function* fileBlocks(path) {
  const handle = await open(path, "r");
  const buffers = [Buffer.allocUnsafeSlow(READ_BYTES), Buffer.allocUnsafeSlow(READ_BYTES)];
  const readAt = async (turn, position) =>
    (await handle.read(buffers[turn], 0, READ_BYTES, position)).bytesRead;
  let position = 0;
  let turn = 0;
  let next = readAt(turn, position);
  try {
    for (;;) {
      const bytes = await next;
      if (bytes === 0) return;
      const block = buffers[turn].subarray(0, bytes);
      position += bytes;
      turn = 1 - turn;
      next = readAt(turn, position);
      yield block;
    }
  } finally {
    await next.catch(() => 0);
    await handle.close();
  }
}

function receiveFile(dc) {
  channel = dc;
  const hash = createHash("sha256");
  const out = createWriteStream(file);
  let bytes = 0;
  let firstByteAt;
  dc.onMessage(
    guarded((message) => {
      if (typeof message === "string") {
        out.end(() => finish(bytes, hash, firstByteAt));
        return;
      }
      firstByteAt ??= performance.now();
      // node-datachannel hands over a Buffer of its own: no copy needed.
      const chunk = message;
      hash.update(chunk);
      bytes += chunk.length;
      out.write(chunk);
    }),
  );
}
