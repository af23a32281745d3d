/**
 * Receives one file from the sender's `share` channel (browser-protocol.md
 * section 4, kad extensions in src/protocol/share-messages.ts):
 *
 *   metadata --text--> bytes --size reached (original sender)--> finishing --> done
 *                        └────kad eof: verify SHA-256, ack────┘
 *   any state --bad frame, oversend, mismatch, peer error, channel lost--> failed
 *
 * To a kad sender the page says hello on its own channel, reports bytes
 * stored (the sender's flow control) and acknowledges the verified SHA-256.
 */
import {
  encodeShareMessage,
  type FileMetadata,
  KAD_SHARE_VERSION,
  parseMetadata,
  parseSenderExtension,
  type ReceiverExtension,
  type ShareErrorCode,
  UNKNOWN_SIZE,
} from "../protocol/share-messages.js";
import { safeRelativeSegments } from "../transfer/safe-path.js";
import { channelClosed, connectionLost, peerLeft } from "./channel-waits.js";
import { cancelled, PageError } from "./page-error.js";
import type { ChannelMessage, PeerLink } from "./peer-link.js";
import { openSink, type ReceiveSink } from "./receive-sink.js";
import { createSha256, type StreamingHash } from "./sha256.js";
import { watchForStall } from "./stall-watch.js";

/** How often a kad sender hears how much is stored (it stops 16 MiB ahead of that). */
const WRITTEN_REPORT_BYTES = 1024 * 1024;
/**
 * The page has no --timeout: a sender whose bytes stop this long is given up
 * on, so a member cannot hold this tab's incoming slots forever. Long enough
 * for a kad sender reading a slow pipe to pause.
 */
export const RECEIVE_STALL_MS = 5 * 60_000;
/** Head start for a refusal on the back channel before the sender's channel closes. */
export const GOODBYE_MS = 500;

export interface IncomingFile {
  /** A safe base name to save under. */
  name: string;
  /** The safe relative path a kad sender gave (a file in a sent folder), else the name. */
  path: string;
  /** -1 while a kad stream's length is unknown. */
  size: number;
  type: string;
  fromKad: boolean;
}

export interface ReceivedFile extends IncomingFile {
  blob: Blob;
  bytes: number;
  /** Set when a kad sender announced it and it matched. */
  sha256: string | undefined;
}

export interface ReceiveObserver {
  onMetadata(file: IncomingFile, sinkKind: ReceiveSink["kind"]): void;
  onProgress(bytes: number): void;
  /** A kad sender's "session over": every file it meant to send has arrived. */
  onSessionEnd?(summary: { files: number; bytes: number }): void;
}

type State = "metadata" | "bytes" | "finishing" | "done" | "failed";

export function receiveFile(
  link: PeerLink,
  signal: AbortSignal,
  observer: ReceiveObserver,
): Promise<ReceivedFile> {
  return new Promise((resolve, reject) => {
    const receiver = new Receiver(link, observer, resolve, reject);
    signal.addEventListener("abort", () => receiver.cancel(), { once: true });
    link.inbox.listen((message) => receiver.enqueue(message));
    void channelClosed(link.remote).then(() => receiver.enqueueFailure(peerLeft()));
    connectionLost(link).catch((error: unknown) => receiver.enqueueFailure(error));
  });
}

class Receiver {
  private state: State = "metadata";
  private file: IncomingFile | undefined;
  private sink: ReceiveSink | undefined;
  private hash: StreamingHash | undefined;
  private bytes = 0;
  private stored = 0;
  private reported = 0;
  private sessionEnded = false;
  private queue = Promise.resolve();
  private readonly stall = watchForStall(RECEIVE_STALL_MS, () =>
    this.enqueueFailure(
      new PageError(
        "timeout",
        `The sender stopped sending: nothing arrived for ${RECEIVE_STALL_MS / 60_000} minutes.`,
      ),
    ),
  );

  constructor(
    private readonly link: PeerLink,
    private readonly observer: ReceiveObserver,
    private readonly resolve: (file: ReceivedFile) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    // Harmless to an original sender, which only logs what arrives here.
    this.sendBack({ kad: "hello", v: KAD_SHARE_VERSION });
  }

  enqueue(message: ChannelMessage): void {
    this.stall.touch();
    this.queue = this.queue.then(() => this.handle(message)).catch((error) => this.fail(error));
  }

  /** Now, not after queued messages: tells a kad sender it was cancelled. */
  cancel(): void {
    this.fail(cancelled());
  }

  enqueueFailure(error: unknown): void {
    this.queue = this.queue.then(() => this.fail(error));
  }

  private async handle(message: ChannelMessage): Promise<void> {
    if (this.state === "metadata") {
      if (typeof message !== "string") {
        throw new PageError("protocol", "The sender sent data before the file's name.");
      }
      return this.start(message);
    }
    if (typeof message !== "string") return this.receiveBytes(new Uint8Array(message));
    if (this.file?.fromKad) return this.receiveExtension(message);
  }

  private async start(text: string): Promise<void> {
    const parsed = parseMetadata(text);
    if (!parsed.ok) {
      throw new PageError(
        "protocol",
        `The sender's file description is unusable (${parsed.reason}).`,
      );
    }
    const metadata: FileMetadata = parsed.message;
    const fromKad = metadata.kad !== undefined;
    if (metadata.size === UNKNOWN_SIZE && !metadata.kad?.stream) {
      throw new PageError("protocol", "The sender announced no size.");
    }
    const segments = safeRelativeSegments(metadata.name, metadata.kad?.path);
    const file = {
      name: segments[segments.length - 1] ?? "file",
      path: segments.join("/"),
      size: metadata.size,
      type: metadata.type,
      fromKad,
    };
    this.file = file;
    this.hash = fromKad ? createSha256() : undefined;
    this.sink = await openSink(file.size === UNKNOWN_SIZE ? undefined : file.size);
    this.state = "bytes";
    this.observer.onMetadata(file, this.sink.kind);
    if (!fromKad && file.size === 0) await this.complete(undefined);
  }

  private async receiveBytes(chunk: Uint8Array): Promise<void> {
    const { file, sink } = this;
    if (this.state !== "bytes" || !file || !sink) {
      throw new PageError("protocol", "The sender sent data after the end of the file.");
    }
    if (file.size !== UNKNOWN_SIZE && this.bytes + chunk.byteLength > file.size) {
      throw new PageError("integrity", "The sender sent more bytes than it announced.");
    }
    this.hash?.update(chunk);
    this.bytes += chunk.byteLength;
    void sink.write(chunk).then(() => this.noteStored(chunk.byteLength));
    this.observer.onProgress(this.bytes);
    if (!file.fromKad && this.bytes === file.size) await this.complete(undefined);
  }

  private noteStored(bytes: number): void {
    this.stored += bytes;
    if (!this.file?.fromKad || this.stored - this.reported < WRITTEN_REPORT_BYTES) return;
    this.reported = this.stored;
    this.sendBack({ kad: "written", bytes: this.stored });
  }

  private async receiveExtension(text: string): Promise<void> {
    const parsed = parseSenderExtension(text);
    if (!parsed.ok)
      throw new PageError("protocol", `The sender sent an unusable message (${parsed.reason}).`);
    const message = parsed.message;
    if (message.kad === "error") {
      throw new PageError(
        "peer-left",
        message.message ? `The sender stopped: ${message.message}` : "The sender stopped.",
      );
    }
    if (message.kad === "end") {
      // Said once per connection; repeats from a hostile sender are dropped.
      if (this.sessionEnded) return;
      this.sessionEnded = true;
      this.observer.onSessionEnd?.({ files: message.files, bytes: message.bytes });
      return;
    }
    if (this.state !== "bytes") throw new PageError("protocol", "The sender ended the file twice.");
    await this.complete(message);
  }

  private async complete(eof: { bytes: number; sha256: string } | undefined): Promise<void> {
    const file = this.file as IncomingFile;
    this.state = "finishing";
    const blob = await (this.sink as ReceiveSink).finish();
    const sha256 = this.hash?.hex();
    const sizeOk = file.size === UNKNOWN_SIZE || this.bytes === file.size;
    if (!sizeOk || (eof && (eof.bytes !== this.bytes || eof.sha256 !== sha256))) {
      throw new PageError(
        "integrity",
        "The file arrived damaged (size or SHA-256 mismatch); nothing was kept.",
      );
    }
    this.state = "done";
    this.stall.stop();
    if (eof) {
      this.sendBack({ kad: "ack", bytes: this.bytes, sha256: eof.sha256 });
    } else {
      // An original sender takes the receiver's close as completion.
      this.link.remote.close();
    }
    this.resolve({ ...file, blob, bytes: this.bytes, sha256 });
  }

  private fail(error: unknown): void {
    if (this.state === "done" || this.state === "failed") return;
    const tellPeer = this.file?.fromKad === true;
    this.state = "failed";
    this.stall.stop();
    this.sink?.discard();
    if (tellPeer) {
      const code = shareErrorCode(error);
      const message = error instanceof Error ? error.message : "refused";
      this.sendBack({ kad: "error", code, message: message.slice(0, 500) });
    }
    // Channels are not ordered with each other: closing at once could reach a
    // kad sender before the error that says why.
    if (tellPeer) setTimeout(() => this.link.remote.close(), GOODBYE_MS);
    else this.link.remote.close();
    this.reject(error);
  }

  private sendBack(message: ReceiverExtension): void {
    if (this.link.own.readyState !== "open") return;
    this.link.own.send(encodeShareMessage(message));
  }
}

function shareErrorCode(error: unknown): ShareErrorCode {
  if (!(error instanceof PageError)) return "PROTOCOL";
  if (error.kind === "integrity") return "INTEGRITY";
  if (error.kind === "cancelled") return "INTERRUPTED";
  if (error.kind === "storage") return "DISK";
  return "PROTOCOL";
}
