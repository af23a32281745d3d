/**
 * The page's receive sinks (DiskSink, MemorySink) as the engine's
 * ByteSink<Blob>. The engine opens a sink synchronously while the page's
 * opens asynchronously (the origin-private file system), so chunks queue
 * behind the opening, bounded: a sender that ignores flow control (or a disk
 * that stalls) must not grow the tab's memory. A resumable file's sink is
 * given a KeepPartial, which may keep the stored bytes when it is discarded.
 */
import type { ByteSink } from "../engine/ports.js";
import { MAX_QUEUED_BYTES } from "../engine/transfer-limits.js";
import { KadError } from "../util/errors.js";
import type { ReceiveSink } from "./receive-sink.js";

/** Keeps a stopped transfer's stored bytes for a later resume, given why it stopped; false if not. */
export type KeepPartial = (sink: ReceiveSink, reason: unknown) => Promise<boolean>;

export class BlobByteSink implements ByteSink<Blob> {
  onWritten: (total: number) => void = () => {};
  private written = 0;
  private queued = 0;
  private failure: KadError | undefined;
  private blob: Blob | undefined;

  constructor(
    private readonly sink: Promise<ReceiveSink>,
    private readonly keepPartial?: KeepPartial,
  ) {
    sink.catch((error: unknown) => {
      this.failure ??= storageError(error);
    });
  }

  async ready(): Promise<void> {
    await this.sink.catch((error: unknown) => {
      throw storageError(error);
    });
  }

  push(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    if (this.queued + chunk.length > MAX_QUEUED_BYTES) {
      throw new KadError("PROTOCOL", "the sender sends far faster than this page can store", {
        hint: "Try a faster disk, or receive with kad.",
      });
    }
    this.queued += chunk.length;
    // Callbacks on one promise run in the order they were added: writes stay in order.
    void this.sink
      .then((sink) => sink.write(chunk))
      .then(
        () => {
          this.queued -= chunk.length;
          this.written += chunk.length;
          this.onWritten(this.written);
        },
        (error: unknown) => {
          this.failure ??= storageError(error);
        },
      );
  }

  async finish(): Promise<void> {
    const sink = await this.sink.catch((error: unknown) => {
      throw storageError(error);
    });
    this.blob = await sink.finish().catch((error: unknown) => {
      throw storageError(error);
    });
  }

  async commit(): Promise<Blob> {
    if (!this.blob)
      throw new KadError("INTERNAL", "a received file was committed before it was finished");
    return this.blob;
  }

  async discard(reason?: unknown): Promise<void> {
    this.failure ??= new KadError("INTERRUPTED", "discarded");
    const sink = await this.sink.catch(() => undefined);
    if (!sink) return;
    const kept = await (this.keepPartial?.(sink, reason) ?? Promise.resolve(false)).catch(
      () => false,
    );
    if (!kept) sink.discard();
  }
}

function storageError(error: unknown): KadError {
  if (error instanceof KadError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new KadError("DISK", `this page cannot store the file (${detail})`, { cause: error });
}
