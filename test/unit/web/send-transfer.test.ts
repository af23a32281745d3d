/** The page's sending side over the engine, driven with fake channels: plain protocol, kad, session. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Inbox, type PeerLink } from "../../../src/web/peer-link.js";
import { type SendObserver, sendFiles } from "../../../src/web/send-transfer.js";

class FakeChannel extends EventTarget {
  readyState: RTCDataChannelState = "open";
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  readonly sent: Array<string | Uint8Array> = [];
  onSend: (data: string | Uint8Array) => void = () => undefined;

  send(data: string | Uint8Array): void {
    const copy = typeof data === "string" ? data : data.slice();
    this.sent.push(copy);
    this.onSend(copy);
  }

  close(): void {
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    queueMicrotask(() => this.dispatchEvent(new Event("close")));
  }

  deliver(text: string): void {
    this.dispatchEvent(new MessageEvent("message", { data: text }));
  }
}

function fakeLink() {
  const own = new FakeChannel();
  const remote = new FakeChannel();
  const pc = Object.assign(new EventTarget(), { connectionState: "connected" });
  const link = { pc, own, remote, inbox: new Inbox(remote as unknown as RTCDataChannel) };
  return { link: link as unknown as PeerLink, own, remote };
}

/** A kad receiver: says `hello`, acknowledges every eof with what it was told. */
function kadReceiver(
  hello: Record<string, unknown>,
  ack = (eof: { bytes: number; sha256: string }) => ({ bytes: eof.bytes, sha256: eof.sha256 }),
) {
  const fake = fakeLink();
  fake.remote.deliver(JSON.stringify({ kad: "hello", v: 1, ...hello }));
  fake.own.onSend = (data) => {
    if (typeof data !== "string") return;
    const message = JSON.parse(data);
    if (message.kad === "eof") fake.remote.deliver(JSON.stringify({ ...ack(message), kad: "ack" }));
  };
  return fake;
}

const content = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 13) % 256);
const file = new File([content], "photo.jpg", { type: "image/jpeg" });
const second = new File([content.subarray(0, 1000)], "notes.txt", { type: "text/plain" });
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const texts = (channel: FakeChannel) =>
  channel.sent.filter((m): m is string => typeof m === "string").map((m) => JSON.parse(m));
const byteCount = (channel: FakeChannel) =>
  channel.sent.reduce((sum, m) => sum + (typeof m === "string" ? 0 : m.byteLength), 0);

function recorder() {
  const events: string[] = [];
  const observer: SendObserver = {
    onConnection: (index) => events.push(`connection ${index}`),
    onStart: (index) => events.push(`start ${index}`),
    onProgress: () => undefined,
    onDone: (index, verified) => events.push(`done ${index}${verified ? " verified" : ""}`),
  };
  return { events, observer };
}

function send(
  links: PeerLink[],
  files: File[],
  observer: SendObserver,
  signal = new AbortController().signal,
) {
  const queue = [...links];
  return sendFiles({ files, signal, observer, connect: async () => queue.shift() as PeerLink });
}

describe("sendFiles", { timeout: 5000 }, () => {
  it("speaks the plain protocol to a receiver that never says hello, done when it closes", async () => {
    const { link, own } = fakeLink();
    own.onSend = () => {
      if (byteCount(own) === content.length) own.close();
    };
    const { events, observer } = recorder();
    await send([link], [file], observer);
    expect(events).toEqual(["connection 0", "start 0", "done 0"]);
    expect(texts(own)).toEqual([{ name: "photo.jpg", size: content.length, type: "image/jpeg" }]);
    expect(byteCount(own)).toBe(content.length);
    expect(own.sent.slice(1).every((m) => typeof m !== "string" && m.byteLength <= 64 * 1024)).toBe(
      true,
    );
  });

  it("sends every file on one connection to a receiver that takes a session, then ends it", async () => {
    const { link, own } = kadReceiver({ session: true });
    const { events, observer } = recorder();
    await send([link], [file, second], observer);
    expect(events).toEqual([
      "connection 0",
      "start 0",
      "start 1",
      "done 0 verified",
      "done 1 verified",
    ]);
    expect(texts(own)).toEqual([
      {
        name: "photo.jpg",
        size: content.length,
        type: "image/jpeg",
        kad: { v: 1, session: true, acks: true },
      },
      { kad: "eof", bytes: content.length, sha256: sha256(content) },
      {
        name: "notes.txt",
        size: 1000,
        type: "text/plain",
        kad: { v: 1, session: true, acks: true },
      },
      { kad: "eof", bytes: 1000, sha256: sha256(content.subarray(0, 1000)) },
      { kad: "end", files: 2, bytes: content.length + 1000 },
    ]);
  });

  it("opens one connection per file to a kad receiver without sessions, ending after the last", async () => {
    const first = kadReceiver({});
    const next = kadReceiver({});
    const { events, observer } = recorder();
    await send([first.link, next.link], [file, second], observer);
    expect(events).toEqual([
      "connection 0",
      "start 0",
      "done 0 verified",
      "connection 1",
      "start 1",
      "done 1 verified",
    ]);
    expect(texts(first.own).map((m) => m.kad.v ?? m.kad)).toEqual([1, "eof"]);
    expect(texts(next.own).at(-1)).toEqual({ kad: "end", files: 2, bytes: content.length + 1000 });
  });

  it("fails when a kad receiver acknowledges different bytes", async () => {
    const { link } = kadReceiver({ session: true }, () => ({
      bytes: content.length,
      sha256: "f".repeat(64),
    }));
    await expect(send([link], [file], recorder().observer)).rejects.toMatchObject({
      kind: "integrity",
      message: "The receiver got different bytes for photo.jpg.",
    });
  });

  it("passes on a kad receiver's refusal", async () => {
    const { link, own, remote } = kadReceiver({ session: true });
    own.onSend = (data) => {
      if (typeof data === "string" && JSON.parse(data).kad === "eof") {
        remote.deliver(JSON.stringify({ kad: "error", code: "DISK", message: "disk full" }));
      }
    };
    await expect(send([link], [file], recorder().observer)).rejects.toMatchObject({
      kind: "storage",
      message: "The receiver refused the file: disk full.",
    });
  });

  it("tells a kad receiver INTERRUPTED when the person cancels", async () => {
    const { link, own } = kadReceiver({ session: true });
    own.onSend = () => undefined;
    const cancel = new AbortController();
    const sending = send([link], [file], recorder().observer, cancel.signal);
    sending.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 20));
    cancel.abort();
    expect(texts(own).at(-1)).toEqual({
      kad: "error",
      code: "INTERRUPTED",
      message: "cancelled in the browser",
    });
  });
});
