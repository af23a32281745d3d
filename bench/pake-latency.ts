/**
 * What the code check adds to the time to first byte, on loopback: 20 real
 * node-datachannel connections (ICE bound to 127.0.0.1) each measured from
 * both channels open to the receiver holding the first file byte, once
 * without the check (hello, then metadata and a byte, as before) and once
 * with it (hello + share, share + confirmation, confirmation, then the same),
 * through the engine code the CLI runs. Prints both medians and the added
 * median as JSON. Run: npm run bench:pake
 */
import { PakeGate, proveCodeToReceiver, ReceiverPake } from "../src/engine/pake.js";
import { ReceiverReplies } from "../src/engine/receiver-replies.js";
import { sdpFingerprint } from "../src/protocol/sdp-fingerprint.js";
import { encodeShareMessage } from "../src/protocol/share-messages.js";
import { shutdownNative } from "../src/webrtc/native.js";
import { RtcPeer } from "../src/webrtc/peer.js";

const CONNECTIONS = 20;
const ICE = { iceServers: [], bindAddress: "127.0.0.1" };

async function connectedPair() {
  const sender = await RtcPeer.create("bench-send", ICE);
  const receiver = await RtcPeer.create("bench-receive", ICE);
  const senderChannel = sender.createShareChannel();
  const answer = await receiver.acceptOffer(await sender.createOffer());
  const receiverChannel = receiver.createShareChannel();
  sender.acceptAnswer(answer);
  const [fromSender, fromReceiver] = await Promise.all([
    sender.localCandidates(),
    receiver.localCandidates(),
  ]);
  receiver.addRemoteCandidates(fromSender);
  sender.addRemoteCandidates(fromReceiver);
  const [, , atReceiver, atSender] = await Promise.all([
    senderChannel.opened,
    receiverChannel.opened,
    receiver.remoteChannel.promise,
    sender.remoteChannel.promise,
  ]);
  return { sender, receiver, senderChannel, receiverChannel, atReceiver, atSender };
}

type Pair = Awaited<ReturnType<typeof connectedPair>>;

function printsOf(peer: RtcPeer) {
  const { local, remote } = peer.descriptions();
  return { local: sdpFingerprint(local) ?? "", remote: sdpFingerprint(remote) ?? "" };
}

/** Milliseconds from open channels to the first file byte at the receiver. */
async function firstByte(pair: Pair, withPake: boolean): Promise<number> {
  const start = performance.now();
  const replies = new ReceiverReplies();
  pair.atSender.onMessage((message) => replies.feed(message));
  const code = { secret: "piano-oak", room: "7-tiger" };
  const receiverPrints = printsOf(pair.receiver);
  const pake = new ReceiverPake({
    ...code,
    localFingerprint: receiverPrints.local,
    remoteFingerprint: receiverPrints.remote,
  });
  const arrived = new Promise<number>((resolve) => {
    const gate = new PakeGate(pake, {
      send: (text) => pair.receiverChannel.sendText(text),
      onVerified: () => {},
      onUnverified: () => {},
      onFailed: () => {},
      deliver: (message) => {
        if (typeof message !== "string") resolve(performance.now() - start);
      },
    });
    pair.atReceiver.onMessage((message) => gate.handle(message));
  });
  pair.receiverChannel.sendText(
    encodeShareMessage({ kad: "hello", v: 1, session: true, ...(withPake ? { pake: 1 } : {}) }),
  );
  if (withPake) pair.receiverChannel.sendText(encodeShareMessage(pake.shareMessage));
  await replies.waitForHello(5_000);
  if (withPake) {
    const prints = printsOf(pair.sender);
    await proveCodeToReceiver(pair.senderChannel, replies, {
      ...code,
      localFingerprint: prints.local,
      remoteFingerprint: prints.remote,
    });
  }
  pair.senderChannel.sendText(encodeShareMessage({ name: "a.bin", size: 1, type: "" }));
  await pair.senderChannel.sendBinary(new Uint8Array([1]));
  return arrived;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return ((sorted[Math.floor(middle - 0.5)] ?? 0) + (sorted[Math.ceil(middle - 0.5)] ?? 0)) / 2;
};

async function main(): Promise<void> {
  const plain: number[] = [];
  const checked: number[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    for (const withPake of i % 2 === 0 ? [false, true] : [true, false]) {
      const pair = await connectedPair();
      (withPake ? checked : plain).push(await firstByte(pair, withPake));
      pair.sender.close();
      pair.receiver.close();
    }
  }
  const round = (ms: number) => Math.round(ms * 100) / 100;
  console.log(
    JSON.stringify({
      connections: CONNECTIONS,
      medianFirstByteMs: { withoutCheck: round(median(plain)), withCheck: round(median(checked)) },
      addedMedianMs: round(median(checked) - median(plain)),
    }),
  );
  await shutdownNative();
}

await main();
