/**
 * The sinks the page's receiver opens for a file: a fresh one, or this tab's
 * kept partial of the very same file, continued (tab-partials.ts). A file is
 * resumable when a kad sender identified its content (`kad.id`) and it is
 * stored on disk; memory holds nothing that outlives a transfer.
 */
import type { IncomingFile, ResumedStart } from "../engine/file-receiver.js";
import { UNKNOWN_SIZE } from "../protocol/share-messages.js";
import { BlobByteSink, type KeepPartial } from "./blob-byte-sink.js";
import { DiskSink, openIncomingDirectory, openSink, type ReceiveSink } from "./receive-sink.js";
import { sha256OfPrefix } from "./sha256.js";
import { type KeptPartial, keepsPartial, type PartialFile, TabPartials } from "./tab-partials.js";

/** In memory: partials are kept within a tab, as long as it stays open. */
export const tabPartials = new TabPartials(openIncomingDirectory);

export type OnSinkKind = (kind: ReceiveSink["kind"]) => void;

export function openFileSink(file: IncomingFile, onKind: OnSinkKind): BlobByteSink {
  const opening = openSink(file.size === UNKNOWN_SIZE ? undefined : file.size);
  opening.then((sink) => onKind(sink.kind)).catch(() => undefined);
  const resumable = resumableFile(file);
  if (!resumable) return new BlobByteSink(opening);
  // A partial of an older version of this path can never be continued now.
  void tabPartials.forgetPath(resumable.path);
  return new BlobByteSink(opening, keeperFor(resumable));
}

/**
 * Continues this tab's partial of `file` when the SHA-256 of its first
 * `bytes` is the sender's; undefined starts afresh (and drops a partial
 * that does not match: the sender's file changed since).
 */
export async function continuePartial(
  file: IncomingFile,
  proposal: { bytes: number; sha256: string },
  onKind: OnSinkKind,
): Promise<ResumedStart<Blob> | undefined> {
  const resumable = resumableFile(file);
  const partial = resumable && tabPartials.take(resumable);
  if (!resumable || !partial) return undefined;
  const continued = await continueMatching(partial, proposal).catch(() => undefined);
  if (!continued) {
    await tabPartials.remove(partial);
    return undefined;
  }
  onKind(continued.sink.kind);
  const sink = new BlobByteSink(Promise.resolve(continued.sink), keeperFor(resumable));
  return { sink, hash: continued.hash, bytes: proposal.bytes };
}

async function continueMatching(partial: KeptPartial, proposal: { bytes: number; sha256: string }) {
  const directory = await openIncomingDirectory();
  if (!directory || proposal.bytes > partial.bytes) return undefined;
  const handle = await directory.getFileHandle(partial.name);
  const prefix = await sha256OfPrefix(await handle.getFile(), proposal.bytes);
  if (prefix.hex !== proposal.sha256) return undefined;
  const sink = await DiskSink.continueAt(directory, partial.name, proposal.bytes);
  return { sink, hash: prefix.hash };
}

function resumableFile(file: IncomingFile): PartialFile | undefined {
  if (!file.fromKad || file.id === undefined || file.size <= 0) return undefined;
  return { path: file.relativePath, size: file.size, id: file.id };
}

function keeperFor(file: PartialFile): KeepPartial {
  return (sink, reason) => {
    if (!(sink instanceof DiskSink) || !keepsPartial(reason)) return Promise.resolve(false);
    return tabPartials.keep(file, sink.name, () => sink.keep());
  };
}
