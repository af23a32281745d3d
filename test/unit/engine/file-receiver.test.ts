/**
 * The engine's receiver driven with fakes: each test feeds wire messages and
 * compares what the receiver did (events, replies, sinks) with what it must.
 */
import { describe, expect, it } from "vitest";
import { FileReceiver, type IncomingFile } from "../../../src/engine/file-receiver.js";
import { WRITTEN_REPORT_BYTES } from "../../../src/engine/transfer-limits.js";
import { bytesOf, MemorySink, nodeHash, sha256Of, tick } from "./fakes.js";

function harness(defer?: (callback: () => void) => void) {
  const log: string[] = [];
  const replies: Array<Record<string, unknown>> = [];
  const sinks: MemorySink[] = [];
  const receiver = new FileReceiver<string>({
    ...(defer ? { defer } : {}),
    hash: nodeHash,
    openSink: (file: IncomingFile) => {
      const sink = new MemorySink(file.relativePath, log);
      sinks.push(sink);
      return sink;
    },
    sendBack: (text) => replies.push(JSON.parse(text)),
    onFile: (file) => log.push(`file ${file.relativePath}`),
    onProgress: () => {},
    onFileDone: (file) => log.push(`done ${file.relativePath} ${file.stored}`),
    onEnd: (summary) => log.push(`end ${summary.files}`),
  });
  const feedFile = (name: string, content: string, kad: Record<string, unknown>) => {
    const data = bytesOf(content);
    receiver.handle(JSON.stringify({ name, size: data.length, type: "", kad: { v: 1, ...kad } }));
    if (data.length > 0) receiver.handle(data);
    receiver.handle(JSON.stringify({ kad: "eof", bytes: data.length, sha256: sha256Of(data) }));
    return { kad: "ack", bytes: data.length, sha256: sha256Of(data) };
  };
  return { receiver, log, replies, sinks, feedFile };
}

describe("engine FileReceiver", () => {
  it("takes an original sender's file once it holds `size` bytes and says nothing back", async () => {
    const { receiver, log, replies } = harness();
    receiver.handle(JSON.stringify({ name: "a.txt", size: 11, type: "text/html" }));
    for (const piece of ["hel", "lo ", "world"]) receiver.handle(bytesOf(piece));
    const [file] = await receiver.finished;
    expect(file).toMatchObject({ relativePath: "a.txt", bytes: 11, fromKad: false });
    expect(log).toEqual(["file a.txt", "commit a.txt", "done a.txt stored:a.txt"]);
    expect(replies).toEqual([]);
  });

  it("one file per connection: acknowledges, finishes, then passes on the session end", async () => {
    const { receiver, log, replies, feedFile } = harness();
    const ack = feedFile("x.bin", "kad data", { path: "d/x.bin" });
    const files = await receiver.finished;
    expect(files.map((f) => f.relativePath)).toEqual(["d/x.bin"]);
    expect(replies).toEqual([ack]);
    receiver.handle(JSON.stringify({ kad: "end", files: 7, bytes: 100 }));
    await tick();
    expect(log.at(-1)).toBe("end 7");
  });

  it("takes no second file on a one-file connection", async () => {
    const { receiver, sinks, feedFile } = harness();
    feedFile("a", "1", {});
    await receiver.finished;
    receiver.handle(JSON.stringify({ name: "b", size: 1, type: "", kad: { v: 1 } }));
    receiver.handle(bytesOf("2"));
    await tick();
    expect(sinks).toHaveLength(1);
  });

  it("a session: files one after another on one connection, acks in order, then the end", async () => {
    const { receiver, log, replies, feedFile } = harness();
    const acks = [
      feedFile("a.txt", "alpha", { session: true }),
      feedFile("b.txt", "", { session: true }),
      feedFile("c.txt", "gamma", { session: true }),
    ];
    receiver.handle(JSON.stringify({ kad: "end", files: 3, bytes: 10 }));
    const files = await receiver.finished;
    expect(files.map((f) => [f.relativePath, f.index, f.stored])).toEqual([
      ["a.txt", 0, "stored:a.txt"],
      ["b.txt", 1, "stored:b.txt"],
      ["c.txt", 2, "stored:c.txt"],
    ]);
    expect(replies).toEqual(acks);
    expect(log.filter((line) => !line.startsWith("commit"))).toEqual([
      "file a.txt",
      "file b.txt",
      "file c.txt",
      "done a.txt stored:a.txt",
      "done b.txt stored:b.txt",
      "done c.txt stored:c.txt",
      "end 3",
    ]);
  });

  it("acks of files that completed together go out as one message to a sender that takes them", async () => {
    const deferred: Array<() => void> = [];
    const { receiver, replies, feedFile } = harness((callback) => deferred.push(callback));
    const acks = ["a", "b", "c"].map((name) =>
      feedFile(name, `data ${name}`, { session: true, acks: true }),
    );
    await tick();
    expect(replies).toEqual([]);
    for (const flush of deferred.splice(0)) flush();
    expect(replies).toEqual([
      { kad: "acks", files: acks.map(({ bytes, sha256 }) => ({ bytes, sha256 })) },
    ]);
    feedFile("d", "alone", { session: true, acks: true });
    await tick();
    for (const flush of deferred.splice(0)) flush();
    expect(replies.at(-1)).toMatchObject({ kad: "ack", bytes: 5 });
    receiver.handle(JSON.stringify({ kad: "end", files: 4, bytes: 26 }));
    expect(await receiver.finished).toHaveLength(4);
  });

  it("a sender that does not take acks gets one per file, even with a host that can defer", async () => {
    const { replies, feedFile } = harness(() => {
      throw new Error("must not defer");
    });
    const acks = [feedFile("a", "1", { session: true }), feedFile("b", "2", { session: true })];
    await tick();
    expect(replies).toEqual(acks);
  });

  it("a session pipelines: the next file arrives while the previous one is verified; acks stay in order", async () => {
    const { receiver, log, replies, sinks } = harness();
    const data = bytesOf("slow");
    receiver.handle(JSON.stringify({ name: "a", size: 4, type: "", kad: { v: 1, session: true } }));
    sinks[0]?.holdFinish();
    receiver.handle(data);
    receiver.handle(JSON.stringify({ kad: "eof", bytes: 4, sha256: sha256Of(data) }));
    receiver.handle(JSON.stringify({ name: "b", size: 0, type: "", kad: { v: 1, session: true } }));
    receiver.handle(JSON.stringify({ kad: "eof", bytes: 0, sha256: sha256Of(bytesOf("")) }));
    await tick();
    expect(log).toContain("file b");
    expect(replies).toEqual([]);
    sinks[0]?.releaseFinish();
    await tick();
    await tick();
    expect(replies.map((r) => r.bytes)).toEqual([4, 0]);
  });

  it("a damaged file in a session fails it: INTEGRITY to the sender, unfinished files discarded", async () => {
    const { receiver, replies, sinks } = harness();
    receiver.handle(JSON.stringify({ name: "a", size: 3, type: "", kad: { v: 1, session: true } }));
    receiver.handle(bytesOf("abc"));
    receiver.handle(JSON.stringify({ kad: "eof", bytes: 3, sha256: "0".repeat(64) }));
    await expect(receiver.finished).rejects.toMatchObject({ code: "INTEGRITY" });
    expect(replies).toEqual([expect.objectContaining({ kad: "error", code: "INTEGRITY" })]);
    expect(sinks[0]?.discarded).toBe(true);
    expect(sinks[0]?.committed).toBe(false);
  });

  it("a session end that claims more files than arrived is refused", async () => {
    const { receiver, replies, feedFile } = harness();
    feedFile("a", "x", { session: true });
    receiver.handle(JSON.stringify({ kad: "end", files: 2, bytes: 2 }));
    await expect(receiver.finished).rejects.toThrow(/after 1 files but said it sent 2/);
    expect(replies.at(-1)).toMatchObject({ kad: "error", code: "PROTOCOL" });
  });

  it("refuses bytes beyond the announced size and discards the file", async () => {
    const { receiver, sinks } = harness();
    receiver.handle(JSON.stringify({ name: "a", size: 2, type: "", kad: { v: 1 } }));
    receiver.handle(bytesOf("abc"));
    await expect(receiver.finished).rejects.toThrow(/more than the 2 bytes/);
    expect(sinks[0]?.discarded).toBe(true);
  });

  it("reports bytes stored across the files of a session (the sender's window is per connection)", async () => {
    const { receiver, replies } = harness();
    const half = new Uint8Array(WRITTEN_REPORT_BYTES / 2 + 1);
    for (const name of ["a", "b"]) {
      receiver.handle(
        JSON.stringify({ name, size: half.length, type: "", kad: { v: 1, session: true } }),
      );
      receiver.handle(half);
      receiver.handle(JSON.stringify({ kad: "eof", bytes: half.length, sha256: sha256Of(half) }));
    }
    await tick();
    expect(replies.filter((r) => r.kad === "written")).toEqual([
      { kad: "written", bytes: 2 * half.length },
    ]);
  });

  it("a sender's refusal before any file fails with its reason", async () => {
    const { receiver } = harness();
    receiver.handle(JSON.stringify({ kad: "error", code: "PROTOCOL", message: "takes one file" }));
    await expect(receiver.finished).rejects.toThrow(/takes one file/);
  });

  it("a name that reduces to nothing is saved under the fallback name", async () => {
    const { receiver } = harness();
    receiver.handle(JSON.stringify({ name: "../../..", size: 1, type: "", kad: { v: 1 } }));
    receiver.handle(bytesOf("x"));
    receiver.handle(JSON.stringify({ kad: "eof", bytes: 1, sha256: sha256Of(bytesOf("x")) }));
    const [file] = await receiver.finished;
    expect(file?.relativePath).toBe("file");
  });
});
