// A protocol-level peer that behaves like the original kamelladjutant browser
// client, written from /work/shared/reference/browser-protocol.md alone (not
// from kad's code). It runs as its own process:
//
//   node test/helpers/reference-peer.mjs '<json config>'
//
// config: { role: "send" | "receive" | "intrude", server, room, password?, bind?,
//           send:    files: [{ path, name?, type?, extraBytes?, kad?, repeat?: { text, count },
//                    after? }], chunkBytes (default 128),
//                    hostileOffer? (an SDP string to send instead of the real offer),
//                    forgeFingerprint? (an offer naming another DTLS certificate),
//                    gated? (wait for a line on stdin before each file),
//                    stay? (like an open browser tab: stay in the room after the
//                           last file until a line on stdin or its end)
//           receive: outDir, expectFiles
//           intrude: a hostile second member that joins by link and, once a
//                    member named targetPrefix* is listed, sends it `count`
//                    initiates (default 10) every intervalMs (default 100) and
//                    never completes one; it stays until killed }
// It prints one JSON object a line on stdout: {"event":"ready"}, {"event":"sent",...},
// {"event":"waiting"} (gated), {"event":"initiated","n"} (intrude),
// {"event":"received","name","size","sha256","path"}, {"event":"done"} or
// {"event":"error","message"}; it exits 0 when done.
//
// Like the original it has no checksum, acknowledgement or backpressure, sends
// 128-byte chunks, creates the room without a `password` key, joins by link
// with a fresh UUID and an empty password, and answers an initiate only from a
// peer it has listed.
//
// Hostile mode, to play a crafted kad sender: a file's `kad` object is added to
// its metadata and its `after` texts are sent after its bytes (e.g. a kad eof
// or error message).
import { createHash, randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import nodeDataChannel from "node-datachannel";
import { WebSocket } from "ws";

// As kad does (src/webrtc/native.ts): KAD_WEBRTC_LOG=warning puts libdatachannel's
// own log on stderr, so a test that fails on a connection can show why.
const WEBRTC_LOG_LEVELS = ["Verbose", "Debug", "Info", "Warning", "Error", "Fatal"];
const webrtcLogLevel = WEBRTC_LOG_LEVELS.find(
  (name) => name.toLowerCase() === process.env.KAD_WEBRTC_LOG?.toLowerCase(),
);
if (webrtcLogLevel) {
  nodeDataChannel.initLogger(webrtcLogLevel, (severity, message) => {
    try {
      process.stderr.write(`${performance.now().toFixed(0)} ms webrtc ${severity}: ${message}\n`);
    } catch {}
  });
}

const config = JSON.parse(process.argv[2] ?? "{}");
const peers = [];
// Every data channel, ours and the peer's: closed before cleanup() (below).
const channels = [];
function tracked(channel) {
  channels.push(channel);
  return channel;
}
let socket;

function print(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function finish(code, error) {
  if (error) print({ event: "error", message: String(error?.stack ?? error) });
  for (const closable of [...channels, ...peers]) {
    try {
      closable.close();
    } catch {}
  }
  try {
    socket?.close();
  } catch {}
  process.exitCode = code;
  // cleanup() with a data channel still open crashed this process (SIGSEGV)
  // after a good transfer in 5 of 24 runs under load (0 of 48 once every
  // channel is closed first, as kad's RtcPeer.close does); the peers' closes
  // finish on native threads, so wait until each says it is closed.
  const settled = Promise.all(peers.map((pc) => pc.closedState));
  const patience = new Promise((resolve) => setTimeout(resolve, CLOSE_PATIENCE_MS));
  Promise.race([settled, patience]).then(() => {
    nodeDataChannel.cleanup();
    setTimeout(() => process.exit(code), 200).unref();
  });
}

const CLOSE_PATIENCE_MS = 2000;

function guard(callback) {
  return (...args) => {
    try {
      callback(...args);
    } catch (error) {
      finish(1, error);
    }
  };
}

// ---- lines on stdin: the test's go-ahead for gated steps ----
const lines = [];
const lineWaiters = [];
let stdinEnded = false;
function watchStdin() {
  const input = createInterface({ input: process.stdin });
  input.on("line", (line) => {
    const waiter = lineWaiters.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  input.on("close", () => {
    stdinEnded = true;
    for (const waiter of lineWaiters.splice(0)) waiter(null);
  });
}

function nextLine() {
  if (lines.length > 0) return Promise.resolve(lines.shift());
  if (stdinEnded) return Promise.resolve(null);
  return new Promise((resolve) => lineWaiters.push(resolve));
}

// ---- mop-rpc (section 2) ----
const waiting = new Map();
const handlers = new Map();

function send(frame) {
  socket.send(JSON.stringify(frame));
}

function expectReply(id, timeoutMs = 20_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error("reply timeout"));
    }, timeoutMs);
    waiting.set(id, (frame) => {
      clearTimeout(timer);
      resolve(frame);
    });
  });
}

function request(type, payload) {
  const id = randomUUID();
  const reply = expectReply(id);
  send({ type, payload, id });
  return reply;
}

function reply(replyId, payload, wantReply) {
  if (!wantReply) {
    send({ replyId, payload });
    return undefined;
  }
  const id = randomUUID();
  const next = expectReply(id);
  send({ replyId, payload, id });
  return next;
}

function onFrame(text) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    return;
  }
  if (frame.replyId !== undefined) {
    waiting.get(frame.replyId)?.(frame);
    waiting.delete(frame.replyId);
    return;
  }
  handlers.get(frame.type)?.(frame);
}

function openSocket(uri) {
  return new Promise((resolve, reject) => {
    socket = new WebSocket(uri, "signaling");
    socket.on("open", resolve);
    socket.on("error", reject);
    socket.on("message", (data, isBinary) => {
      if (!isBinary) onFrame(data.toString());
    });
  });
}

// ---- WebRTC helpers ----
function newPeerConnection() {
  const pc = new nodeDataChannel.PeerConnection("reference", {
    iceServers: [],
    ...(config.bind ? { bindAddress: config.bind } : {}),
  });
  peers.push(pc);
  pc.closedState = new Promise((resolve) => {
    pc.onStateChange((s) => {
      if (s === "closed") resolve();
    });
  });
  const state = { candidates: [], gathered: null, description: null };
  state.gathered = new Promise((resolve) => {
    pc.onGatheringStateChange(
      guard((s) => {
        if (s === "complete") resolve(state.candidates);
      }),
    );
  });
  state.description = new Promise((resolve) => {
    pc.onLocalDescription(guard((sdp, type) => resolve({ type, sdp })));
  });
  pc.onLocalCandidate(
    guard((candidate, mid) => {
      state.candidates.push({
        candidate: candidate.replace(/^a=/, ""),
        sdpMid: mid,
        sdpMLineIndex: 0,
      });
    }),
  );
  return { pc, state };
}

function forgedFingerprint(sdp) {
  const digest = createHash("sha256").update(randomUUID()).digest("hex").toUpperCase();
  const forged = digest.match(/../g).join(":");
  return sdp.replace(/a=fingerprint:sha-256 [0-9A-F:]+/, `a=fingerprint:sha-256 ${forged}`);
}

function addCandidates(pc, list) {
  for (const c of list) if (c.candidate) pc.addRemoteCandidate(c.candidate, c.sdpMid ?? "0");
}

// ---- sender (section 3 as A, section 4 on its own channel) ----
async function runSender() {
  const base = config.server;
  if (config.existingRoom) {
    // Someone else made the room (a test); this sender only joins it.
    await joinByLink();
  } else {
    const username = config.username ?? `reference-${randomUUID().slice(0, 8)}`;
    const created = await fetch(`${base}/rooms`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ username, roomname: config.room }),
    });
    if (created.status !== 201) throw new Error(`POST /rooms answered ${created.status}`);
    await openSocket(await created.json());
    const joined = await request("connect", { username, roomname: config.room });
    if (joined.payload?.err !== null) throw new Error(`connect: ${joined.payload?.err}`);
  }
  print({ event: "ready" });
  const member = await new Promise((resolve) => {
    const take = (members) => {
      const first = Array.isArray(members) ? members[0] : undefined;
      if (first) resolve(first);
    };
    handlers.set("users", (frame) => take(frame.payload));
    // In a room others are in already, ask: the push may have come and gone.
    if (config.existingRoom) request("users", {}).then((reply) => take(reply.payload));
  });
  for (const file of config.files) {
    if (config.gated) {
      print({ event: "waiting" });
      await nextLine();
    }
    await sendOneFile(member.id, file);
  }
  print({ event: "done" });
  if (config.stay) await nextLine();
  finish(0);
}

async function sendOneFile(targetId, file) {
  const { pc, state } = newPeerConnection();
  const own = tracked(pc.createDataChannel("share"));
  const remoteArrived = new Promise((resolve) =>
    pc.onDataChannel(guard((channel) => resolve(tracked(channel)))),
  );
  const ownOpen = new Promise((resolve) => own.onOpen(guard(resolve)));
  const ownClosed = new Promise((resolve) => own.onClosed(guard(resolve)));
  const offer = await state.description;
  // Hostile mode: an offer that is not SDP at all.
  if (config.hostileOffer) offer.sdp = config.hostileOffer;
  // Hostile mode: an offer naming another certificate, as a server in the middle would.
  if (config.forgeFingerprint) offer.sdp = forgedFingerprint(offer.sdp);
  const answered = await request("initiate", { id: targetId, offerSDP: offer });
  pc.setRemoteDescription(answered.payload.sdp, answered.payload.type);
  const candidates = await state.gathered;
  const theirs = await reply(answered.id, candidates, true);
  addCandidates(pc, theirs.payload);
  const remote = await remoteArrived;
  remote.onMessage(guard(() => {}));
  await ownOpen;
  const bytes = readFileSync(file.path);
  const name = file.name ?? file.path.split("/").pop();
  const kad = file.kad ? { kad: file.kad } : {};
  own.sendMessage(JSON.stringify({ name, size: bytes.length, type: file.type ?? "", ...kad }));
  // Hostile mode: one text message repeated before the bytes, another after them.
  for (let i = 0; i < (file.repeat?.count ?? 0); i += 1) own.sendMessage(file.repeat.text);
  const payload = Buffer.concat([bytes, Buffer.alloc(file.extraBytes ?? 0, 0x41)]);
  const chunk = config.chunkBytes ?? 128;
  for (let offset = 0; offset < payload.length; offset += chunk) {
    own.sendMessageBinary(payload.subarray(offset, offset + chunk));
  }
  for (const text of file.after ?? []) own.sendMessage(text);
  print({ event: "sent", name, size: payload.length });
  // The receiver closes the channel once it holds `size` bytes.
  await Promise.race([ownClosed, new Promise((resolve) => setTimeout(resolve, 15_000))]);
}

// ---- intruder: a second member that starts initiates it never completes ----
async function runIntruder() {
  await joinByLink();
  const target = await new Promise((resolve) => {
    const look = (list) => {
      const found = Array.isArray(list)
        ? list.find((m) => String(m.name).startsWith(config.targetPrefix ?? "kad-receiver-"))
        : undefined;
      if (found) resolve(found);
    };
    handlers.set("users", (frame) => look(frame.payload));
    request("users", {}).then(
      (frame) => look(frame.payload),
      (error) => finish(1, error),
    );
  });
  print({ event: "ready" });
  const { pc, state } = newPeerConnection();
  tracked(pc.createDataChannel("share"));
  const offer = await state.description;
  const count = config.count ?? 10;
  for (let n = 1; n <= count; n++) {
    // Asks for a reply, then never answers the answer.
    send({ type: "initiate", payload: { id: target.id, offerSDP: offer }, id: randomUUID() });
    print({ event: "initiated", n });
    await new Promise((resolve) => setTimeout(resolve, config.intervalMs ?? 100));
  }
}

async function joinByLink() {
  const info = await fetch(`${config.server}/rooms/${config.room}`, {
    headers: { Accept: "application/json" },
  });
  if (info.status !== 200) throw new Error(`GET /rooms answered ${info.status}`);
  const { webSocketUri } = await info.json();
  await openSocket(webSocketUri);
  const username = randomUUID();
  const joined = await request("connect", { username, roomname: config.room, password: "" });
  if (joined.payload?.err !== null) throw new Error(`connect: ${joined.payload?.err}`);
}

// ---- receiver (section 3 as B, section 4 reading the sender's channel) ----
async function runReceiver() {
  await joinByLink();
  const listed = new Set();
  const remember = (list) => {
    if (Array.isArray(list)) for (const m of list) listed.add(m.id);
  };
  handlers.set("users", (frame) => remember(frame.payload));
  let received = 0;
  handlers.set(
    "initiate",
    guard((frame) => {
      if (!listed.has(frame.payload?.id)) return;
      answerInitiate(frame).then(
        (result) => {
          print({ event: "received", ...result });
          received += 1;
          if (received >= config.expectFiles) {
            print({ event: "done" });
            finish(0);
          }
        },
        (error) => finish(1, error),
      );
    }),
  );
  remember((await request("users", {})).payload);
  print({ event: "ready" });
}

async function answerInitiate(frame) {
  const { pc, state } = newPeerConnection();
  const incoming = new Promise((resolve) =>
    pc.onDataChannel(guard((channel) => resolve(tracked(channel)))),
  );
  pc.setRemoteDescription(frame.payload.offerSDP.sdp, frame.payload.offerSDP.type);
  const own = tracked(pc.createDataChannel("share"));
  own.onMessage(guard(() => {}));
  const answer = await state.description;
  const theirs = await reply(frame.id, answer, true);
  addCandidates(pc, theirs.payload);
  reply(theirs.id, await state.gathered, false);
  const channel = await incoming;
  return new Promise((resolve, reject) => {
    let meta;
    const chunks = [];
    let size = 0;
    const complete = () => {
      const data = Buffer.concat(chunks);
      const path = join(
        config.outDir,
        `received-${Date.now()}-${meta.name.replace(/[^\w.-]/g, "_")}`,
      );
      writeFileSync(path, data);
      const sha256 = createHash("sha256").update(data).digest("hex");
      channel.close();
      resolve({ name: meta.name, size: data.length, sha256, path });
    };
    channel.onMessage(
      guard((message) => {
        if (meta === undefined) {
          meta = JSON.parse(String(message));
          if (!meta.name) {
            channel.close();
            reject(new Error("metadata without a name"));
            return;
          }
          if (meta.size === 0) complete();
          return;
        }
        if (typeof message === "string") return;
        chunks.push(Buffer.from(message));
        size += message.byteLength;
        if (size >= meta.size) complete();
      }),
    );
  });
}

const roles = { send: runSender, receive: runReceiver, intrude: runIntruder };
if (config.gated || config.stay) watchStdin();
roles[config.role]().catch((error) => finish(1, error));
