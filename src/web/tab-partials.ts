/**
 * Partial files this tab keeps for resuming (the Resume section of
 * share-messages.ts). A file from a kad sender (it carries `kad.id`) stored
 * in the origin-private file system keeps its bytes when the other side or
 * the network goes away mid-transfer; the tab remembers it in memory and the
 * hello of every later connection offers it, so the same file sent again
 * continues where it stopped. The person's own Cancel keeps nothing. Kept
 * files live in this tab's folder, which goes with the tab
 * (receive-sink.ts), and at most MAX_KEPT_PARTIALS stay.
 */
import { MAX_RESUME_OFFERS, type ResumeOffer } from "../protocol/share-messages.js";
import { KadError } from "../util/errors.js";

export const MAX_KEPT_PARTIALS = MAX_RESUME_OFFERS;
/** How long a hello waits for partials being kept at that moment. */
export const KEEPING_WAIT_MS = 1_000;

/** Failures that are no one's choice here: the sender, its process or the network went. */
const KEPT_AFTER = new Set(["PEER_LEFT", "PEER_UNREACHABLE", "SERVER_UNREACHABLE", "TIMEOUT"]);

export function keepsPartial(reason: unknown): boolean {
  return reason instanceof KadError && KEPT_AFTER.has(reason.code);
}

/** What identifies a resumable file: its path, size and the sender's id of its content. */
export interface PartialFile {
  path: string;
  size: number;
  id: string;
}

/** A kept partial: `name` is its file in this tab's folder. */
export interface KeptPartial extends ResumeOffer {
  name: string;
}

type Folder = Pick<FileSystemDirectoryHandle, "removeEntry">;

export class TabPartials {
  /** Newest first. */
  private entries: KeptPartial[] = [];
  private readonly keeping = new Set<Promise<boolean>>();

  constructor(private readonly folder: () => Promise<Folder | null>) {}

  offers(): ResumeOffer[] {
    return this.entries.map(({ path, size, id, bytes }) => ({ path, size, id, bytes }));
  }

  /** Resolves once the partials being kept now are offered, or after `ms`; undefined if none are. */
  settled(ms = KEEPING_WAIT_MS): Promise<void> | undefined {
    if (this.keeping.size === 0) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    const kept = Promise.all(this.keeping).then(() => undefined);
    return Promise.race([kept, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Keeps the file `name` as the partial of `file` once `store` has stored
   * its bytes (and said how many). False when there is nothing worth keeping.
   */
  keep(file: PartialFile, name: string, store: () => Promise<number>): Promise<boolean> {
    const keeping = store().then(
      (bytes) => this.add({ ...file, bytes, name }),
      () => false,
    );
    this.keeping.add(keeping);
    void keeping.finally(() => this.keeping.delete(keeping));
    return keeping;
  }

  /** Takes the partial of this very file out of the offers: it is being continued. */
  take(file: PartialFile): KeptPartial | undefined {
    const index = this.entries.findIndex(
      (entry) => entry.path === file.path && entry.size === file.size && entry.id === file.id,
    );
    if (index < 0) return undefined;
    return this.entries.splice(index, 1)[0];
  }

  /** Removes every partial of `path`: it is being received afresh. */
  async forgetPath(path: string): Promise<void> {
    const stale = this.entries.filter((entry) => entry.path === path);
    this.entries = this.entries.filter((entry) => entry.path !== path);
    await Promise.all(stale.map((entry) => this.remove(entry)));
  }

  /** Removes a partial's file (taken, or never kept). */
  async remove(entry: { name: string }): Promise<void> {
    const folder = await this.folder().catch(() => null);
    await folder?.removeEntry(entry.name).catch(() => undefined);
  }

  private async add(entry: KeptPartial): Promise<boolean> {
    if (entry.bytes <= 0 || entry.bytes > entry.size) return false;
    await this.forgetPath(entry.path);
    this.entries.unshift(entry);
    const evicted = this.entries.splice(MAX_KEPT_PARTIALS);
    await Promise.all(evicted.map((old) => this.remove(old)));
    return true;
  }
}
