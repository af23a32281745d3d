/**
 * Receives one file from the sender's `share` channel, as an explicit state
 * machine:
 *
 *   awaiting-metadata --metadata--> receiving --size reached / kad eof--> finishing --> done
 *          any state --bad frame, oversend, mismatch, peer error--> failed
 *
 * Bytes go to a temporary file that is renamed into place only after the size
 * (and, from a kad sender, the SHA-256) matched. Frames from the network are
 * hostile: every one is validated and sizes are bounded by the announcement.
 */
import { createHash, type Hash } from "node:crypto";
import type { Writable } from "node:stream";
import {
  encodeShareMessage,
  parseMetadata,
  parseSenderExtension,
  type ReceiverExtension,
  type SenderExtension,
  UNKNOWN_SIZE,
} from "../protocol/share-messages.js";
import { KadError } from "../util/errors.js";
import type { ChannelMessage } from "../webrtc/channel.js";
import { errorFromPeer } from "./back-channel.js";
import { type ByteSink, FileSink, StreamSink } from "./byte-sink.js";
import { prepareTarget } from "./output-path.js";
import { safeRelativeSegments } from "./safe-path.js";

/** A kad receiver reports bytes written at least this often (flow control). */
export const WRITTEN_REPORT_BYTES = 1024 * 1024;

export type ReceiverState = "awaiting-metadata" | "receiving" | "finishing" | "done" | "failed";

export interface IncomingFile {
  name: string;
  /** Safe relative path below the output directory. */
  relativePath: string;
  /** -1 for a stream of unknown size. */
  size: number;
  fromKad: boolean;
}

export interface ReceivedFile extends IncomingFile {
  bytes: number;
  sha256: string;
  /** Final path, or "-" for stdout. */
  path: string;
}

export interface FileReceiverOptions {
  /** A directory, or "-" for stdout. */
  output: string;
  overwrite: boolean;
  stdout: Writable;
  /** Sends a text message on the receiver's own channel. */
  sendBack(text: string): void;
  onFile(file: IncomingFile): void;
  onProgress(file: IncomingFile, bytes: number): void;
  onEnd(summary: { files: number; bytes: number }): void;
}

export class FileReceiver {
  readonly done: Promise<ReceivedFile>;
  private state: ReceiverState = "awaiting-metadata";
  private file: IncomingFile | undefined;
  private sink: ByteSink | undefined;
  private hash: Hash = createHash("sha256");
  private bytes = 0;
  private reported = 0;
  /** Known from the metadata, before its path is checked: a refusal of the path reaches a kad sender too. */
  private peerIsKad = false;
  private resolveDone!: (file: ReceivedFile) => void;
  private rejectDone!: (error: Error) => void;

  constructor(private readonly options: FileReceiverOptions) {
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {});
  }

  get currentState(): ReceiverState {
    return this.state;
  }

  /** Feeds one message from the sender's channel. Never throws. */
  handle(message: ChannelMessage): void {
    try {
      this.dispatch(message);
    } catch (error) {
      void this.fail(error);
    }
  }

  /** Ends a transfer that did not complete: removes the temporary file. */
  async abort(error: Error): Promise<void> {
    if (this.state === "done" || this.state === "failed") return;
    await this.fail(error, false);
  }

  private dispatch(message: ChannelMessage): void {
    if (this.state === "awaiting-metadata") {
      if (typeof message !== "string")
        throw new KadError("PROTOCOL", "the sender sent data before the file's name");
      this.start(message);
    } else if (typeof message !== "string") {
      this.receiveBytes(message);
    } else {
      this.receiveExtension(message);
    }
  }

  private start(text: string): void {
    // A kad sender may refuse before any file (e.g. several files for -o -).
    const refusal = parseSenderExtension(text);
    if (refusal.ok && refusal.message.kad === "error") {
      throw errorFromPeer(refusal.message.code, refusal.message.message);
    }
    const parsed = parseMetadata(text);
    if (!parsed.ok)
      throw new KadError("PROTOCOL", `the sender's file description is invalid (${parsed.reason})`);
    const metadata = parsed.message;
    const fromKad = metadata.kad !== undefined;
    this.peerIsKad = fromKad;
    if (metadata.size === UNKNOWN_SIZE && !metadata.kad?.stream) {
      throw new KadError("PROTOCOL", "the sender announced no size");
    }
    const segments = safeRelativeSegments(metadata.name, metadata.kad?.path);
    this.file = {
      name: metadata.name,
      relativePath: segments.join("/"),
      size: metadata.size,
      fromKad,
    };
    this.state = "receiving";
    this.openSink(segments);
    this.options.onFile(this.file);
    if (!fromKad && metadata.size === 0) void this.complete();
  }

  private openSink(segments: string[]): void {
    if (this.options.output === "-") {
      this.sink = new StreamSink(this.options.stdout);
    } else {
      const target = prepareTarget(this.options.output, segments);
      const sink = new FileSink(target, this.options.overwrite, this.options.output);
      sink.ready().catch((error) => this.fail(error));
      this.sink = sink;
    }
    this.watchWritten(this.sink);
  }

  private watchWritten(sink: ByteSink): void {
    sink.onWritten = (written) => {
      if (!this.file?.fromKad || written - this.reported < WRITTEN_REPORT_BYTES) return;
      this.reported = written;
      this.send({ kad: "written", bytes: written });
    };
  }

  private receiveBytes(chunk: Uint8Array): void {
    const file = this.file;
    if (this.state !== "receiving" || !file)
      throw new KadError("PROTOCOL", "the sender sent data after the end of the file");
    if (file.size !== UNKNOWN_SIZE && this.bytes + chunk.length > file.size) {
      throw new KadError(
        "PROTOCOL",
        `the sender sent more than the ${file.size} bytes it announced`,
      );
    }
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.sink?.push(chunk);
    this.options.onProgress(file, this.bytes);
    if (!file.fromKad && this.bytes === file.size) void this.complete();
  }

  private receiveExtension(text: string): void {
    // An original sender sends nothing after its bytes; ignore text from it.
    if (!this.file?.fromKad) return;
    const parsed = parseSenderExtension(text);
    if (!parsed.ok)
      throw new KadError("PROTOCOL", `the sender sent an invalid message (${parsed.reason})`);
    const message: SenderExtension = parsed.message;
    if (message.kad === "error") throw errorFromPeer(message.code, message.message);
    if (message.kad === "end") {
      if (this.state !== "done")
        throw new KadError("PROTOCOL", "the sender ended before the file was complete");
      this.options.onEnd({ files: message.files, bytes: message.bytes });
      return;
    }
    if (this.state !== "receiving") throw new KadError("PROTOCOL", "unexpected end of file");
    void this.complete(message);
  }

  private async complete(eof?: { bytes: number; sha256: string }): Promise<void> {
    const file = this.file as IncomingFile;
    this.state = "finishing";
    try {
      const sink = this.sink as ByteSink;
      await sink.finish();
      const sha256 = this.hash.digest("hex");
      this.verify(file, sha256, eof);
      const path = sink instanceof FileSink ? await sink.commit() : "-";
      this.state = "done";
      if (file.fromKad) this.send({ kad: "ack", bytes: this.bytes, sha256 });
      this.resolveDone({ ...file, bytes: this.bytes, sha256, path });
    } catch (error) {
      await this.fail(error);
    }
  }

  private verify(
    file: IncomingFile,
    sha256: string,
    eof?: { bytes: number; sha256: string },
  ): void {
    const sizeOk = file.size === UNKNOWN_SIZE || this.bytes === file.size;
    if (!sizeOk || (eof && (eof.bytes !== this.bytes || eof.sha256 !== sha256))) {
      throw new KadError(
        "INTEGRITY",
        `${file.relativePath} arrived damaged (size or SHA-256 mismatch)`,
        {
          hint: "Nothing was saved; send it again.",
        },
      );
    }
  }

  private async fail(error: unknown, tellPeer = true): Promise<void> {
    if (this.state === "failed" || this.state === "done") return;
    this.state = "failed";
    const failure =
      error instanceof KadError ? error : new KadError("INTERNAL", String(error), { cause: error });
    if (tellPeer && this.peerIsKad) {
      const code =
        failure.code === "EXISTS" || failure.code === "INTEGRITY" || failure.code === "DISK"
          ? failure.code
          : "PROTOCOL";
      this.send({ kad: "error", code, message: failure.message });
    }
    // Settle only once the temporary file is gone, so "failed" means "nothing left".
    if (this.sink instanceof FileSink) await this.sink.discard();
    this.rejectDone(failure);
  }

  private send(message: ReceiverExtension): void {
    try {
      this.options.sendBack(encodeShareMessage(message));
    } catch {
      // The channel is gone; the sender notices that by itself.
    }
  }
}
