/** The engine's sender and its reader of the receiver's replies, driven with fakes. */
import { describe, expect, it } from "vitest";
import {
  confirmFile,
  type OutgoingFile,
  type SendContext,
  sendFile,
  sendFileBytes,
} from "../../../src/engine/file-sender.js";
import { ReceiverReplies } from "../../../src/engine/receiver-replies.js";
import { CHUNK_BYTES, RECEIVE_WINDOW_BYTES } from "../../../src/engine/transfer-limits.js";
import { KadError } from "../../../src/util/errors.js";
import { bytesOf, FakeChannel, nodeHash, sha256Of, tick } from "./fakes.js";

function fileOf(name: string, data: Uint8Array): OutgoingFile {
  return {
    name,
    size: data.length,
    type: "",
    async *chunks(chunkBytes, start) {
      for (let offset = start; offset < data.length; offset += chunkBytes) {
        yield data.subarray(offset, offset + chunkBytes);
      }
    },
  };
}

function context(overrides: Partial<SendContext> = {}) {
  const channel = new FakeChannel();
  const replies = new ReceiverReplies();
  const progress: number[] = [];
  const ctx: SendContext = {
    channel,
    replies,
    hash: nodeHash,
    session: false,
    resume: true,
    sentBefore: 0,
    onProgress: (bytes) => progress.push(bytes),
    ...overrides,
  };
  return { ctx, channel, replies, progress };
}

const hello = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ kad: "hello", v: 1, ...extra });

describe("engine sender", () => {
  it("to an original receiver: the original metadata and bytes only, then its close confirms", async () => {
    const { ctx, channel } = context();
    const data = bytesOf("hello");
    const sending = sendFile(fileOf("a.txt", data), ctx);
    await tick();
    channel.close();
    expect(await sending).toEqual({ bytes: 5, sha256: sha256Of(data), resumedFrom: 0 });
    expect(channel.texts()).toEqual([{ name: "a.txt", size: 5, type: "" }]);
  });

  it("to a kad receiver: kad metadata, bytes, eof, and the matching ack", async () => {
    const { ctx, channel, replies } = context({ session: true });
    replies.feed(hello({ session: true }));
    const data = bytesOf("kad bytes");
    const sending = sendFile({ ...fileOf("x", data), relativePath: "d/x" }, ctx);
    await tick();
    replies.feed(JSON.stringify({ kad: "ack", bytes: data.length, sha256: sha256Of(data) }));
    await sending;
    expect(channel.texts()).toEqual([
      {
        name: "x",
        size: data.length,
        type: "",
        kad: { v: 1, path: "d/x", session: true, acks: true },
      },
      { kad: "eof", bytes: data.length, sha256: sha256Of(data) },
    ]);
  });

  it("an ack with other bytes is an integrity failure", async () => {
    const { ctx, replies } = context();
    replies.feed(hello());
    const sending = sendFile(fileOf("x", bytesOf("abc")), ctx);
    await tick();
    replies.feed(JSON.stringify({ kad: "ack", bytes: 3, sha256: "0".repeat(64) }));
    await expect(sending).rejects.toMatchObject({ code: "INTEGRITY" });
  });

  it("stays within the receiver's window, counted over the whole connection", async () => {
    const sentBefore = RECEIVE_WINDOW_BYTES;
    const { ctx, channel, replies } = context({ sentBefore });
    replies.feed(hello());
    const data = new Uint8Array(2 * CHUNK_BYTES);
    const sending = sendFileBytes(fileOf("x", data), ctx);
    await tick();
    expect(channel.sent.filter((m) => typeof m !== "string")).toHaveLength(0);
    replies.feed(JSON.stringify({ kad: "written", bytes: CHUNK_BYTES }));
    await tick();
    expect(channel.sent.filter((m) => typeof m !== "string")).toHaveLength(1);
    replies.feed(JSON.stringify({ kad: "written", bytes: 2 * CHUNK_BYTES }));
    await sending;
  });

  it("pipelined files claim their acks in order", async () => {
    const { ctx, replies } = context({ session: true });
    replies.feed(hello({ session: true }));
    const a = fileOf("a", bytesOf("aa"));
    const b = fileOf("b", bytesOf("bbb"));
    const sentA = await sendFileBytes(a, ctx);
    const sentB = await sendFileBytes(b, ctx);
    replies.feed(JSON.stringify({ kad: "ack", ...sentA }));
    replies.feed(JSON.stringify({ kad: "ack", ...sentB }));
    await confirmFile(a, sentA, ctx);
    await confirmFile(b, sentB, ctx);
  });

  it("in a session it offers batched acks and takes several in one message, in order", async () => {
    const { ctx, channel, replies } = context({ session: true });
    replies.feed(hello({ session: true }));
    const a = fileOf("a", bytesOf("aa"));
    const b = fileOf("b", bytesOf("bbb"));
    const sentA = await sendFileBytes(a, ctx);
    const sentB = await sendFileBytes(b, ctx);
    const metadata = channel.sent.filter((m) => typeof m === "string" && m.includes('"name"'));
    expect(metadata.map((m) => JSON.parse(String(m)).kad.acks)).toEqual([true, true]);
    const files = [sentA, sentB].map(({ bytes, sha256 }) => ({ bytes, sha256 }));
    replies.feed(JSON.stringify({ kad: "acks", files }));
    await confirmFile(a, sentA, ctx);
    await confirmFile(b, sentB, ctx);
  });

  it("a refusal that arrives just after the connection dropped is the reported reason", async () => {
    const { ctx, channel, replies } = context();
    replies.feed(hello());
    const sending = sendFileBytes(fileOf("x", bytesOf("abc")), ctx);
    channel.close();
    const lost = new KadError("PEER_LEFT", "gone");
    setTimeout(() => {
      replies.feed(JSON.stringify({ kad: "error", code: "DISK", message: "disk full" }));
      replies.fail(lost);
    }, 10);
    await expect(sending).rejects.toMatchObject({ code: "DISK" });
  });

  it("a stream of unknown size is refused to an original receiver", async () => {
    const { ctx } = context();
    const stream = { ...fileOf("stdin", bytesOf("x")), size: -1 };
    await expect(sendFileBytes(stream, ctx)).rejects.toThrow(/stream of unknown size/);
  });

  it("a file that shrank while it was read fails", async () => {
    const { ctx, replies } = context();
    replies.feed(hello());
    const short = { ...fileOf("x", bytesOf("ab")), size: 5 };
    await expect(sendFileBytes(short, ctx)).rejects.toThrow(/shrank/);
  });

  it("ReceiverReplies ignores what an original browser or a stranger writes", () => {
    const replies = new ReceiverReplies();
    for (const junk of ["hi", "{}", JSON.stringify({ kad: "nope" }), "[1]"]) replies.feed(junk);
    replies.feed(new Uint8Array(3));
    expect(replies.isKad).toBe(false);
  });
});
