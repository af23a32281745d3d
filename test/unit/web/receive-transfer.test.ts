/**
 * The page's receiving state machine driven with fake channels: what it sends
 * back (hello, written, ack, error) and how it ends, for original and kad senders.
 */
import { createHash } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { PageError } from "../../../src/web/page-error.js";
import { Inbox, type PeerLink } from "../../../src/web/peer-link.js";
import {
  GOODBYE_MS,
  type PageReceivedFile,
  RECEIVE_STALL_MS,
  type ReceiveObserver,
  receiveFiles,
} from "../../../src/web/receive-transfer.js";

class FakeChannel extends EventTarget {
  readyState: RTCDataChannelState = "open";
  readonly sent: unknown[] = [];

  send(data: unknown): void {
    this.sent.push(typeof data === "string" ? JSON.parse(data) : data);
  }

  close(): void {
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    queueMicrotask(() => this.dispatchEvent(new Event("close")));
  }

  deliver(data: string | Uint8Array): void {
    const payload = typeof data === "string" ? data : data.slice().buffer;
    this.dispatchEvent(new MessageEvent("message", { data: payload }));
  }
}

function fakeLink() {
  const own = new FakeChannel();
  const remote = new FakeChannel();
  const pc = Object.assign(new EventTarget(), { connectionState: "connected" });
  const inbox = new Inbox(remote as unknown as RTCDataChannel);
  const link = { pc, own, remote, inbox } as unknown as PeerLink;
  return { link, own, remote };
}

const observer: ReceiveObserver = {
  onFile: () => undefined,
  onProgress: () => undefined,
  onFileDone: () => undefined,
};
/** The one file of a connection. */
const receiveFile = (link: PeerLink, signal: AbortSignal, watcher: ReceiveObserver) =>
  receiveFiles(link, signal, watcher).then((files) => files[0] as PageReceivedFile);
const bytes = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 7) % 256);
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const MiB = 1024 * 1024;

describe("receiveFile", () => {
  it("takes an original sender's file, says hello only, and closes the channel when complete", async () => {
    const { link, own, remote } = fakeLink();
    const done = receiveFile(link, new AbortController().signal, observer);
    remote.deliver(JSON.stringify({ name: "../notes.txt", size: 300, type: "text/plain" }));
    for (let offset = 0; offset < 300; offset += 128)
      remote.deliver(bytes(300).slice(offset, offset + 128));
    const file = await done;
    expect(file).toMatchObject({
      relativePath: "notes.txt",
      size: 300,
      bytes: 300,
      fromKad: false,
    });
    expect(file.stored.type).toBe("application/octet-stream");
    expect(new Uint8Array(await file.stored.arrayBuffer())).toEqual(bytes(300));
    expect(own.sent).toEqual([{ kad: "hello", v: 1, session: true }]);
    expect(remote.readyState).toBe("closed");
  });

  it("verifies a kad sender's SHA-256, reports what it stored and acknowledges", async () => {
    const { link, own, remote } = fakeLink();
    const data = bytes(3 * MiB);
    const done = receiveFile(link, new AbortController().signal, observer);
    remote.deliver(JSON.stringify({ name: "big.bin", size: data.length, type: "", kad: { v: 1 } }));
    for (let offset = 0; offset < data.length; offset += 64 * 1024) {
      remote.deliver(data.slice(offset, offset + 64 * 1024));
    }
    remote.deliver(JSON.stringify({ kad: "eof", bytes: data.length, sha256: sha256(data) }));
    const file = await done;
    expect(file.sha256).toBe(sha256(data));
    const kinds = own.sent.map((message) => (message as { kad: string }).kad);
    expect(kinds[0]).toBe("hello");
    expect(kinds.filter((kind) => kind === "written").length).toBeGreaterThanOrEqual(2);
    expect(own.sent.at(-1)).toEqual({ kad: "ack", bytes: data.length, sha256: sha256(data) });
  });

  it("takes every file of a kad sender's session on one connection, then closes", async () => {
    const { link, own, remote } = fakeLink();
    const ends: unknown[] = [];
    const done = receiveFiles(link, new AbortController().signal, {
      ...observer,
      onSessionEnd: (summary) => ends.push(summary),
    });
    const kad = { v: 1, session: true };
    for (const [index, name] of ["a.bin", "dir/b.bin"].entries()) {
      const data = bytes(1000 + index);
      remote.deliver(JSON.stringify({ name, size: data.length, type: "", kad }));
      remote.deliver(data);
      remote.deliver(JSON.stringify({ kad: "eof", bytes: data.length, sha256: sha256(data) }));
    }
    remote.deliver(JSON.stringify({ kad: "end", files: 2, bytes: 2001 }));
    const files = await done;
    expect(files.map((file) => [file.relativePath, file.bytes])).toEqual([
      ["a.bin", 1000],
      ["dir/b.bin", 1001],
    ]);
    expect(ends).toEqual([{ files: 2, bytes: 2001 }]);
    expect(own.sent.filter((m) => (m as { kad: string }).kad === "ack")).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(remote.readyState).toBe("closed");
  });

  it.each([
    [
      "a SHA-256 mismatch",
      [
        { name: "x", size: 4, type: "", kad: { v: 1 } },
        bytes(4),
        { kad: "eof", bytes: 4, sha256: "0".repeat(64) },
      ],
      /damaged/,
      "INTEGRITY",
    ],
    [
      "more bytes than announced",
      [{ name: "x", size: 4, type: "", kad: { v: 1 } }, bytes(5)],
      /more than the 4 bytes it announced/,
      "PROTOCOL",
    ],
    ["bytes before the name", [bytes(4)], /before the file's name/, undefined],
    ["metadata without a name", [{ size: 4, type: "" }], /description is invalid/, undefined],
    [
      "an unknown size from an original sender",
      [{ name: "x", size: -1, type: "" }],
      /no size/,
      undefined,
    ],
  ])("refuses %s", async (_, messages, error, code) => {
    const { link, own, remote } = fakeLink();
    const done = receiveFile(link, new AbortController().signal, observer);
    for (const message of messages) {
      remote.deliver(message instanceof Uint8Array ? message : JSON.stringify(message));
    }
    await expect(done).rejects.toThrow(error);
    await new Promise((resolve) => setTimeout(resolve, GOODBYE_MS + 50));
    expect(remote.readyState).toBe("closed");
    const refusal = own.sent.find((message) => (message as { kad: string }).kad === "error");
    expect((refusal as { code?: string } | undefined)?.code).toBe(code);
  });

  it("fails when the sender's channel closes early", async () => {
    const { link, remote } = fakeLink();
    const done = receiveFile(link, new AbortController().signal, observer);
    remote.deliver(JSON.stringify({ name: "x", size: 10, type: "" }));
    remote.deliver(bytes(4));
    remote.close();
    await expect(done).rejects.toThrow(/left before the transfer finished/);
  });

  it("tells a kad sender when the person cancels", async () => {
    const { link, own, remote } = fakeLink();
    const cancel = new AbortController();
    const done = receiveFile(link, cancel.signal, observer);
    remote.deliver(JSON.stringify({ name: "x", size: 10, type: "", kad: { v: 1 } }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    cancel.abort();
    await expect(done).rejects.toThrow("Cancelled.");
    expect(own.sent.at(-1)).toMatchObject({ kad: "error", code: "INTERRUPTED" });
  });

  it("ends as 'the sender left', telling it nothing, when the room gave up on a departed sender", async () => {
    const { link, own, remote } = fakeLink();
    const stop = new AbortController();
    const done = receiveFile(link, stop.signal, observer);
    remote.deliver(JSON.stringify({ name: "x", size: 10, type: "", kad: { v: 1 } }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    stop.abort(new PageError("peer-left", "bob left before the transfer finished."));
    await expect(done).rejects.toThrow(/left before the transfer finished/);
    expect(own.sent.some((message) => (message as { kad: string }).kad === "error")).toBe(false);
  });

  it("gives up on a sender whose bytes stop, which frees the page's incoming slot", async () => {
    vi.useFakeTimers();
    try {
      const { link, own } = fakeLink();
      const remote = link.remote as unknown as FakeChannel;
      const done = receiveFile(link, new AbortController().signal, observer);
      const outcome = done.then(
        () => "received",
        (error: unknown) => error,
      );
      remote.deliver(JSON.stringify({ name: "slow.bin", size: 1000, type: "", kad: { v: 1 } }));
      await vi.advanceTimersByTimeAsync(RECEIVE_STALL_MS - 1_000);
      // Bytes that still move keep it alive.
      remote.deliver(bytes(10));
      await vi.advanceTimersByTimeAsync(RECEIVE_STALL_MS - 1_000);
      expect(remote.readyState).toBe("open");
      await vi.advanceTimersByTimeAsync(2_000 + GOODBYE_MS);
      const error = await outcome;
      expect(error).toMatchObject({ kind: "timeout" });
      expect(String((error as Error).message)).toMatch(/stopped sending/);
      expect(own.sent.at(-1)).toMatchObject({ kad: "error", code: "PROTOCOL" });
      expect(remote.readyState).toBe("closed");
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses a session end in the middle of a file", async () => {
    const { link, own, remote } = fakeLink();
    const done = receiveFiles(link, new AbortController().signal, observer);
    remote.deliver(JSON.stringify({ name: "a.bin", size: 5, type: "", kad: { v: 1 } }));
    remote.deliver(JSON.stringify({ kad: "end", files: 1, bytes: 5 }));
    await expect(done).rejects.toMatchObject({ kind: "protocol" });
    expect(own.sent.at(-1)).toMatchObject({ kad: "error", code: "PROTOCOL" });
  });
});
