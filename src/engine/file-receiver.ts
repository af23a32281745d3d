/**
 * Receives the files that arrive on the sender's `share` channel of one
 * connection, as an explicit state machine:
 *
 *   awaiting-metadata --metadata--> receiving --kad eof--> awaiting-metadata (session)
 *          └--metadata proposing a resume--> resuming --answer sent--> receiving
 *                                       |                  awaiting-end      (one file)
 *                                       └--size reached (original sender)--> awaiting-end
 *   awaiting-metadata / awaiting-end --kad end--> ended
 *   any state --bad frame, oversend, mismatch, peer error, abort--> failed
 *
 * A file's bytes go to a sink that keeps them aside until the size (and, from
 * a kad sender, the SHA-256) matched; only then is it committed. In a session
 * the next file may start while the previous one is still being verified:
 * completions run one after another, so acknowledgements leave in order.
 * Frames from the network are hostile: every one is validated, and sizes are
 * bounded by the announcement.
 */
import {
  encodeShareMessage,
  type FileMetadata,
  MAX_ACKS_PER_MESSAGE,
  parseMetadata,
  parseSenderExtension,
  type ReceiverExtension,
  type SenderExtension,
  UNKNOWN_SIZE,
} from "../protocol/share-messages.js";
import { KadError } from "../util/errors.js";
import { errorFromPeer, shareCodeFor } from "./peer-errors.js";
import type { ByteSink, ChannelMessage, HashFactory, StreamingHash } from "./ports.js";
import { safeRelativeSegments } from "./safe-path.js";
import { WRITTEN_REPORT_BYTES } from "./transfer-limits.js";

export type ReceiverState =
  | "awaiting-metadata"
  | "resuming"
  | "receiving"
  | "awaiting-end"
  | "ended"
  | "failed";

export interface IncomingFile {
  /** Safe path segments below the output, from the kad path or the name. */
  segments: string[];
  /** The segments joined with `/`: what the user sees. */
  relativePath: string;
  /** UNKNOWN_SIZE for a kad stream whose length comes with its eof. */
  size: number;
  /** The sender's MIME type: informational only, never trusted for rendering. */
  type: string;
  fromKad: boolean;
  /** Position of this file on this connection, from 0. */
  index: number;
  /** The sender's identity of the content (size, mtime, first bytes); resumable when present. */
  id?: string;
  /** Bytes this side already held from an interrupted transfer; 0 when none. */
  offset: number;
}

/** A partial this side held, continued: where its bytes go and the hash of what it holds. */
export interface ResumedStart<T> {
  sink: ByteSink<T>;
  /** Already fed with the first `bytes` bytes. */
  hash: StreamingHash;
  bytes: number;
}

export interface ReceivedFile<T> extends IncomingFile {
  bytes: number;
  sha256: string;
  /** What the sink made of it: a final path, a Blob. */
  stored: T;
}

export interface ReceiverHost<T> {
  hash: HashFactory;
  /** A sink for a file; may throw (a second file for stdout, say) to refuse it. */
  openSink(file: IncomingFile): ByteSink<T>;
  /** A text message on this side's own channel. May throw once that channel closed. */
  sendBack(text: string): void;
  /**
   * Continues a partial this side offered when the sender's SHA-256 of its
   * first `bytes` matches; undefined starts the file from byte 0.
   */
  resume?(
    file: IncomingFile,
    proposal: { bytes: number; sha256: string },
  ): Promise<ResumedStart<T> | undefined>;
  onFile(file: IncomingFile): void;
  onProgress(file: IncomingFile, bytes: number): void;
  onFileDone(file: ReceivedFile<T>): void;
  /** A kad sender's "session over": every file it meant to send has arrived. */
  onEnd(summary: { files: number; bytes: number }): void;
  /**
   * Runs `callback` once the messages that arrived together are handled
   * (setImmediate in node). With it, the acknowledgements of files that
   * completed together go out as one "acks" message: each message costs a
   * packet, and a tree of small files otherwise spent about a tenth of the
   * receiver's time sending acks.
   */
  defer?(callback: () => void): void;
}

interface FileInProgress<T> {
  file: IncomingFile;
  sink: ByteSink<T>;
  hash: StreamingHash;
  bytes: number;
}

export class FileReceiver<T> {
  /**
   * Resolves with the connection's files once it carries no more: after the
   * first file of a one-file connection, after the end of a session.
   */
  readonly finished: Promise<ReceivedFile<T>[]>;
  private state: ReceiverState = "awaiting-metadata";
  private current: FileInProgress<T> | undefined;
  /** Files started on this connection, and those committed. */
  private started = 0;
  private readonly received: ReceivedFile<T>[] = [];
  private session = false;
  private peerIsKad = false;
  private completions: Promise<void> = Promise.resolve();
  private readonly unfinished = new Set<ByteSink<T>>();
  private stored = 0;
  private reported = 0;
  /** Set when the sender takes "acks" (its metadata said so) and the host can defer: acks are batched. */
  private deferAcks: ((callback: () => void) => void) | undefined;
  private readonly pendingAcks: { bytes: number; sha256: string }[] = [];
  private resolveFinished!: (files: ReceivedFile<T>[]) => void;
  private rejectFinished!: (error: KadError) => void;

  constructor(private readonly host: ReceiverHost<T>) {
    this.finished = new Promise((resolve, reject) => {
      this.resolveFinished = resolve;
      this.rejectFinished = reject;
    });
    this.finished.catch(() => {});
  }

  /** Feeds one message from the sender's channel. Never throws. */
  handle(message: ChannelMessage): void {
    try {
      this.dispatch(message);
    } catch (error) {
      void this.fail(error);
    }
  }

  /** Ends a transfer that did not complete; removes what was stored. */
  async abort(error: unknown, tellPeer = false): Promise<void> {
    await this.fail(error, tellPeer);
  }

  private dispatch(message: ChannelMessage): void {
    if (this.state === "ended" || this.state === "failed") return;
    if (this.state === "resuming") {
      throw new KadError("PROTOCOL", "the sender went on before the answer to its resume");
    }
    if (typeof message !== "string") {
      if (this.state === "awaiting-metadata" && this.started === 0) {
        throw new KadError("PROTOCOL", "the sender sent data before the file's name");
      }
      if (this.state !== "receiving") {
        throw new KadError("PROTOCOL", "the sender sent data after the end of the file");
      }
      this.receiveBytes(message);
    } else if (this.state === "awaiting-metadata") {
      this.startOrEnd(message);
    } else {
      this.receiveExtension(message);
    }
  }

  private startOrEnd(text: string): void {
    // After a session's file, the sender may instead end (or refuse); before
    // any file, a kad sender may refuse (e.g. several files for -o -).
    const extension = parseSenderExtension(text);
    if (extension.ok && (this.peerIsKad || extension.message.kad === "error")) {
      this.onExtension(extension.message);
      return;
    }
    const parsed = parseMetadata(text);
    if (!parsed.ok) {
      throw new KadError("PROTOCOL", `the sender's file description is invalid (${parsed.reason})`);
    }
    this.start(parsed.message);
  }

  private start(metadata: FileMetadata): void {
    const fromKad = metadata.kad !== undefined;
    if (this.started > 0 && !(fromKad && this.session)) {
      throw new KadError("PROTOCOL", "the sender started a second file on a one-file connection");
    }
    this.peerIsKad = fromKad;
    this.session = metadata.kad?.session === true;
    this.deferAcks = metadata.kad?.acks === true ? this.host.defer?.bind(this.host) : undefined;
    if (metadata.size === UNKNOWN_SIZE && !metadata.kad?.stream) {
      throw new KadError("PROTOCOL", "the sender announced no size");
    }
    const segments = safeRelativeSegments(metadata.name, metadata.kad?.path);
    const file: IncomingFile = {
      segments,
      relativePath: segments.join("/"),
      size: metadata.size,
      type: metadata.type,
      fromKad,
      index: this.started,
      ...(metadata.kad?.id ? { id: metadata.kad.id } : {}),
      offset: 0,
    };
    this.started += 1;
    const proposal = metadata.kad?.resume;
    if (!proposal) {
      this.begin(file, undefined);
      return;
    }
    if (file.size === UNKNOWN_SIZE || proposal.bytes > file.size) {
      throw new KadError("PROTOCOL", "the sender proposed to resume past the end of the file");
    }
    this.state = "resuming";
    const resuming = this.host.resume?.(file, proposal) ?? Promise.resolve(undefined);
    resuming.then(
      (resumed) => {
        if (this.state === "resuming") this.begin(file, resumed, true);
        else void resumed?.sink.discard(new KadError("INTERRUPTED", "stopped"));
      },
      (error) => this.fail(error),
    );
  }

  /** Starts storing a file: from its first byte, or after a partial this side held. */
  private begin(file: IncomingFile, resumed: ResumedStart<T> | undefined, answer = false): void {
    try {
      const offset = resumed?.bytes ?? 0;
      const sink = resumed?.sink ?? this.host.openSink(file);
      this.unfinished.add(sink);
      sink.ready?.().catch((error) => this.fail(error));
      this.watchWritten(sink);
      if (answer) this.send({ kad: "resume", bytes: offset });
      const started = { ...file, offset };
      this.current = {
        file: started,
        sink,
        hash: resumed?.hash ?? this.host.hash(),
        bytes: offset,
      };
      this.state = "receiving";
      this.host.onFile(started);
      if (!file.fromKad && file.size === 0) this.endOfFile(undefined);
    } catch (error) {
      void this.fail(error);
    }
  }

  /** Flow control counts bytes stored on this connection, across its files. */
  private watchWritten(sink: ByteSink<T>): void {
    let seen = 0;
    sink.onWritten = (total) => {
      this.stored += total - seen;
      seen = total;
      if (!this.peerIsKad || this.stored - this.reported < WRITTEN_REPORT_BYTES) return;
      this.reported = this.stored;
      this.send({ kad: "written", bytes: this.stored });
    };
  }

  private receiveBytes(chunk: Uint8Array): void {
    const current = this.current as FileInProgress<T>;
    const { file } = current;
    if (file.size !== UNKNOWN_SIZE && current.bytes + chunk.length > file.size) {
      throw new KadError(
        "PROTOCOL",
        `the sender sent more than the ${file.size} bytes it announced`,
      );
    }
    current.hash.update(chunk);
    current.bytes += chunk.length;
    current.sink.push(chunk);
    this.host.onProgress(file, current.bytes);
    if (!file.fromKad && current.bytes === file.size) this.endOfFile(undefined);
  }

  private receiveExtension(text: string): void {
    // An original sender sends nothing after its bytes; ignore text from it.
    if (!this.peerIsKad) return;
    const parsed = parseSenderExtension(text);
    if (!parsed.ok) {
      throw new KadError("PROTOCOL", `the sender sent an invalid message (${parsed.reason})`);
    }
    this.onExtension(parsed.message);
  }

  private onExtension(message: SenderExtension): void {
    if (message.kad === "error") throw errorFromPeer(message.code, message.message);
    if (message.kad === "end") this.end(message);
    else if (message.kad === "pake") throw new KadError("PROTOCOL", "the sender repeated its PAKE");
    else if (message.kad === "lane" || message.kad === "stripe") {
      throw new KadError("PROTOCOL", "the sender used lanes that were not agreed");
    } else if (this.state !== "receiving") throw new KadError("PROTOCOL", "unexpected end of file");
    else this.endOfFile(message);
  }

  private endOfFile(eof: { bytes: number; sha256: string } | undefined): void {
    const current = this.current as FileInProgress<T>;
    this.current = undefined;
    this.state = this.session ? "awaiting-metadata" : "awaiting-end";
    // Verifying and storing start at once; acknowledgements still leave in order.
    const settled = this.settle(current, eof);
    settled.catch(() => {});
    this.completions = this.completions.then(() => settled).then((file) => this.acknowledge(file));
    this.completions.catch((error) => this.fail(error));
    if (!this.session) {
      void this.completions.then(
        () => this.resolveFinished(this.received),
        () => {},
      );
    }
  }

  /** Waits for the file's bytes to be stored, checks size and SHA-256, and commits it. */
  private async settle(
    current: FileInProgress<T>,
    eof: { bytes: number; sha256: string } | undefined,
  ): Promise<ReceivedFile<T>> {
    const { file, sink, bytes } = current;
    const sha256 = current.hash.hex();
    await sink.finish();
    const sizeOk = file.size === UNKNOWN_SIZE || bytes === file.size;
    if (!sizeOk || (eof && (eof.bytes !== bytes || eof.sha256 !== sha256))) {
      throw new KadError(
        "INTEGRITY",
        `${file.relativePath} arrived damaged (size or SHA-256 mismatch)`,
        { hint: "Nothing was saved; send it again." },
      );
    }
    const stored = await sink.commit();
    this.unfinished.delete(sink);
    return { ...file, bytes, sha256, stored };
  }

  private acknowledge(received: ReceivedFile<T>): void {
    if (this.state === "failed") return;
    if (received.fromKad) this.queueAck({ bytes: received.bytes, sha256: received.sha256 });
    this.received.push(received);
    this.host.onFileDone(received);
  }

  private end(summary: { files: number; bytes: number }): void {
    if (this.state === "receiving") {
      throw new KadError("PROTOCOL", "the sender ended before the file was complete");
    }
    if (this.session && summary.files !== this.started) {
      throw new KadError(
        "PROTOCOL",
        `the sender ended after ${this.started} files but said it sent ${summary.files}`,
      );
    }
    const wasSession = this.session;
    const { files, bytes } = summary;
    this.state = "ended";
    void this.completions.then(
      () => {
        this.host.onEnd({ files, bytes });
        if (wasSession) this.resolveFinished(this.received);
      },
      () => {},
    );
  }

  private async fail(error: unknown, tellPeer = true): Promise<void> {
    if (this.state === "failed") return;
    // A connection whose files are all committed has nothing left to lose.
    const settled = this.state === "ended" || (this.state === "awaiting-end" && !this.session);
    if (settled && this.unfinished.size === 0) return;
    this.state = "failed";
    const failure =
      error instanceof KadError ? error : new KadError("INTERNAL", String(error), { cause: error });
    if (tellPeer && this.peerIsKad) {
      this.flushAcks();
      this.send({ kad: "error", code: shareCodeFor(failure), message: failure.message });
    }
    // Settle only once the stored bytes are gone, so "failed" means "nothing left".
    await Promise.all([...this.unfinished].map((sink) => sink.discard(failure)));
    this.unfinished.clear();
    this.rejectFinished(failure);
  }

  private queueAck(ack: { bytes: number; sha256: string }): void {
    if (!this.deferAcks) {
      this.send({ kad: "ack", ...ack });
      return;
    }
    this.pendingAcks.push(ack);
    if (this.pendingAcks.length === 1) this.deferAcks(() => this.flushAcks());
    else if (this.pendingAcks.length >= MAX_ACKS_PER_MESSAGE) this.flushAcks();
  }

  private flushAcks(): void {
    const files = this.pendingAcks.splice(0);
    const [only] = files;
    if (files.length === 1 && only) this.send({ kad: "ack", ...only });
    else if (files.length > 1) this.send({ kad: "acks", files });
  }

  private send(message: ReceiverExtension): void {
    try {
      this.host.sendBack(encodeShareMessage(message));
    } catch {
      // The channel is gone; the sender notices that by itself.
    }
  }
}
