/** The page's sending side driven with fake channels: plain protocol vs kad extensions. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Inbox, type PeerLink } from "../../../src/web/peer-link.js";
import { sendFile } from "../../../src/web/send-transfer.js";

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

const content = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 13) % 256);
const file = new File([content], "photo.jpg", { type: "image/jpeg" });
const sha256 = createHash("sha256").update(content).digest("hex");
const texts = (channel: FakeChannel) =>
  channel.sent.filter((m): m is string => typeof m === "string").map((m) => JSON.parse(m));
const byteCount = (channel: FakeChannel) =>
  channel.sent.reduce((sum, m) => sum + (typeof m === "string" ? 0 : m.byteLength), 0);

describe("sendFile", () => {
  it("speaks the plain protocol to a receiver that never says hello, done when it closes", async () => {
    const { link, own } = fakeLink();
    own.onSend = () => {
      if (byteCount(own) === content.length) own.close();
    };
    const outcome = await sendFile(link, file, {
      signal: new AbortController().signal,
      onProgress: () => undefined,
    });
    expect(outcome).toEqual({ verified: false });
    expect(texts(own)).toEqual([{ name: "photo.jpg", size: content.length, type: "image/jpeg" }]);
    expect(byteCount(own)).toBe(content.length);
    expect(own.sent.slice(1).every((m) => typeof m !== "string" && m.byteLength <= 64 * 1024)).toBe(
      true,
    );
  });

  it("adds the SHA-256 for a kad receiver, waits for its ack, then ends the session", async () => {
    const { link, own, remote } = fakeLink();
    remote.deliver(JSON.stringify({ kad: "hello", v: 1 }));
    own.onSend = (data) => {
      if (typeof data !== "string") return;
      const message = JSON.parse(data);
      if (message.kad === "eof") {
        remote.deliver(
          JSON.stringify({ kad: "ack", bytes: message.bytes, sha256: message.sha256 }),
        );
      }
    };
    const outcome = await sendFile(link, file, {
      signal: new AbortController().signal,
      onProgress: () => undefined,
      sessionEnd: { files: 1, bytes: content.length },
    });
    expect(outcome).toEqual({ verified: true });
    expect(texts(own)).toEqual([
      { name: "photo.jpg", size: content.length, type: "image/jpeg", kad: { v: 1 } },
      { kad: "eof", bytes: content.length, sha256 },
      { kad: "end", files: 1, bytes: content.length },
    ]);
  });

  it("fails when a kad receiver acknowledges different bytes", async () => {
    const { link, own, remote } = fakeLink();
    remote.deliver(JSON.stringify({ kad: "hello", v: 1 }));
    own.onSend = (data) => {
      if (typeof data === "string" && JSON.parse(data).kad === "eof") {
        remote.deliver(
          JSON.stringify({ kad: "ack", bytes: content.length, sha256: "f".repeat(64) }),
        );
      }
    };
    await expect(
      sendFile(link, file, { signal: new AbortController().signal, onProgress: () => undefined }),
    ).rejects.toThrow(/different bytes/);
  });

  it("passes on a kad receiver's refusal", async () => {
    const { link, own, remote } = fakeLink();
    remote.deliver(JSON.stringify({ kad: "hello", v: 1 }));
    own.onSend = (data) => {
      if (typeof data === "string" && JSON.parse(data).kad === "eof") {
        remote.deliver(JSON.stringify({ kad: "error", code: "DISK", message: "disk full" }));
      }
    };
    await expect(
      sendFile(link, file, { signal: new AbortController().signal, onProgress: () => undefined }),
    ).rejects.toThrow("The receiver refused the file: disk full");
  });
});
