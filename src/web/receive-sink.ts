/**
 * Where received bytes go. Memory must stay flat as files grow, and a Blob
 * must never be rebuilt per chunk (the original's quadratic receive).
 *
 * - DiskSink: the origin-private file system (File System standard), written
 *   through a FileSystemWritableFileStream, so the bytes sit on disk and the
 *   finished File is disk-backed. Needs a secure context (https or localhost).
 * - MemorySink: elsewhere (plain http on a LAN address). Chunks are folded
 *   into Blobs every few MiB, which Chromium may page out of the tab, and
 *   the Blobs are concatenated once at the end.
 */

const MEMORY_FOLD_BYTES = 8 * 1024 * 1024;
/**
 * Never the sender's `type`: a received file opened from its blob: URL in a
 * new tab would render as that type on this origin, so `text/html` named
 * invoice.pdf would run script here.
 */
export const SAVED_BLOB_TYPE = "application/octet-stream";
const INCOMING_DIRECTORY = "kad-incoming";

export interface ReceiveSink {
  /** Queues a chunk; resolves once it is stored (on disk, for DiskSink). */
  write(chunk: Uint8Array): Promise<void>;
  /** Waits for every write; resolves to the whole file. */
  finish(): Promise<Blob>;
  /** Drops what was written. */
  discard(): void;
  readonly kind: "disk" | "memory";
}

export class MemorySink implements ReceiveSink {
  readonly kind = "memory";
  private readonly folded: Blob[] = [];
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  write(chunk: Uint8Array): Promise<void> {
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    if (this.pendingBytes >= MEMORY_FOLD_BYTES) this.fold();
    return Promise.resolve();
  }

  async finish(): Promise<Blob> {
    this.fold();
    return new Blob(this.folded, { type: SAVED_BLOB_TYPE });
  }

  discard(): void {
    this.pending = [];
    this.folded.length = 0;
  }

  private fold(): void {
    if (this.pending.length === 0) return;
    this.folded.push(new Blob(this.pending as BlobPart[]));
    this.pending = [];
    this.pendingBytes = 0;
  }
}

export class DiskSink implements ReceiveSink {
  readonly kind = "disk";
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  private constructor(
    private readonly directory: FileSystemDirectoryHandle,
    /** The file's name in this tab's folder. */
    readonly name: string,
    private readonly file: FileSystemFileHandle,
    private readonly writable: FileSystemWritableFileStream,
  ) {}

  static async create(directory: FileSystemDirectoryHandle): Promise<DiskSink> {
    const name = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const file = await directory.getFileHandle(name, { create: true });
    const writable = await file.createWritable();
    return new DiskSink(directory, name, file, writable);
  }

  /** Goes on writing a kept partial after its first `offset` bytes; whatever followed is cut. */
  static async continueAt(
    directory: FileSystemDirectoryHandle,
    name: string,
    offset: number,
  ): Promise<DiskSink> {
    const file = await directory.getFileHandle(name);
    const writable = await file.createWritable({ keepExistingData: true });
    await writable.truncate(offset);
    await writable.seek(offset);
    return new DiskSink(directory, name, file, writable);
  }

  write(chunk: Uint8Array): Promise<void> {
    // Writes queue in order; a failure (disk full) surfaces in finish().
    this.chain = this.chain
      .then(() => this.writable.write(chunk as FileSystemWriteChunkType))
      .catch((error: unknown) => {
        this.failure ??= error;
      });
    return this.chain;
  }

  async finish(): Promise<Blob> {
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
    await this.writable.close();
    const file = await this.file.getFile();
    return file.slice(0, file.size, SAVED_BLOB_TYPE);
  }

  /**
   * Stores what was written so far and keeps the file, for a later resume;
   * returns its size. (Closing is what makes a writable's bytes the file's.)
   */
  async keep(): Promise<number> {
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
    await this.writable.close();
    return (await this.file.getFile()).size;
  }

  discard(): void {
    void this.chain
      .then(() => this.writable.abort())
      .catch(() => undefined)
      .then(() => this.directory.removeEntry(this.name))
      .catch(() => undefined);
  }
}

let incomingDirectory: Promise<FileSystemDirectoryHandle | null> | undefined;

/**
 * This tab's folder in the origin-private file system, or null where there is
 * none. Each tab holds a Web Lock named after its folder for as long as it
 * lives; folders whose lock nobody holds belong to closed tabs and are removed.
 */
export function openIncomingDirectory(): Promise<FileSystemDirectoryHandle | null> {
  incomingDirectory ??= open().catch(() => null);
  return incomingDirectory;
}

async function open(): Promise<FileSystemDirectoryHandle | null> {
  if (!window.isSecureContext || !navigator.storage?.getDirectory || !navigator.locks) return null;
  if (!("createWritable" in FileSystemFileHandle.prototype)) return null;
  const root = await navigator.storage.getDirectory();
  const incoming = await root.getDirectoryHandle(INCOMING_DIRECTORY, { create: true });
  const tabName = `tab-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  await new Promise<void>((locked) => {
    void navigator.locks.request(`${INCOMING_DIRECTORY}/${tabName}`, () => {
      locked();
      return new Promise<never>(() => undefined);
    });
  });
  await removeAbandoned(incoming);
  return incoming.getDirectoryHandle(tabName, { create: true });
}

async function removeAbandoned(incoming: FileSystemDirectoryHandle): Promise<void> {
  const held = new Set((await navigator.locks.query()).held?.map((lock) => lock.name));
  // keys() is missing from older DOM typings.
  const names = (incoming as unknown as { keys(): AsyncIterable<string> }).keys();
  for await (const name of names) {
    if (!held.has(`${INCOMING_DIRECTORY}/${name}`)) {
      await incoming.removeEntry(name, { recursive: true }).catch(() => undefined);
    }
  }
}

/** A disk sink when the file fits in this origin's storage quota, else memory. */
export async function openSink(size: number | undefined): Promise<ReceiveSink> {
  const directory = await openIncomingDirectory();
  if (directory) {
    try {
      const { quota = 0, usage = 0 } = await navigator.storage.estimate();
      if (size === undefined || size < quota - usage) return await DiskSink.create(directory);
    } catch {
      // Fall through to memory: a storage error must not lose the transfer.
    }
  }
  return new MemorySink();
}
