/**
 * The engine's receiver (src/engine/file-receiver.ts) in Node: bytes go to a
 * temporary file beside the target, renamed into place once verified, or to
 * stdout for `-o -` (which takes one file only). With a PartialStore, files
 * that carry a sender identity are resumable: an interrupted one keeps its
 * `.part`, and a later transfer of the same file continues it.
 */
import type { Writable } from "node:stream";
import {
  FileReceiver,
  type IncomingFile,
  type ReceivedFile,
  type ResumedStart,
} from "../engine/file-receiver.js";
import { KadError } from "../util/errors.js";
import { FileSink, SmallFileSink, StreamSink } from "./byte-sink.js";
import { nodeSha256 } from "./outgoing-file.js";
import { OutputTree } from "./output-path.js";
import { checkPrefix, type PartialStore } from "./partials.js";

export type { IncomingFile };

/** Files up to this size are held in memory until verified (SmallFileSink). */
export const SMALL_FILE_BYTES = 64 * 1024;
/** A received file; `stored` is its final path, or "-" for stdout. */
export type SavedFile = ReceivedFile<string>;

export interface NodeReceiverOptions {
  /** A directory, or "-" for stdout. */
  output: string;
  overwrite: boolean;
  stdout: Writable;
  /** Partials of this output directory; absent: nothing is resumable (--no-resume, stdout). */
  partials?: PartialStore;
  /** Sends a text message on the receiver's own channel. */
  sendBack(text: string): void;
  onFile(file: IncomingFile): void;
  onProgress(file: IncomingFile, bytes: number): void;
  onFileDone(file: SavedFile): void;
  onEnd(summary: { files: number; bytes: number }): void;
}

export function createFileReceiver(options: NodeReceiverOptions): FileReceiver<string> {
  let streams = 0;
  const tree = new OutputTree(options.output);
  return new FileReceiver<string>({
    hash: nodeSha256,
    openSink: (file) => {
      if (options.output !== "-") return freshFileSink(options, tree, file);
      streams += 1;
      if (streams > 1) {
        throw new KadError(
          "PROTOCOL",
          "the sender sent more than one file, but -o - takes a single one",
          { hint: "Receive into a directory instead (leave out -o -)." },
        );
      }
      return new StreamSink(options.stdout);
    },
    resume: (file, proposal) => continuePartial(options, tree, file, proposal),
    sendBack: options.sendBack,
    onFile: options.onFile,
    onProgress: options.onProgress,
    onFileDone: options.onFileDone,
    onEnd: options.onEnd,
    defer: (callback) => setImmediate(callback),
  });
}

function freshFileSink(options: NodeReceiverOptions, tree: OutputTree, file: IncomingFile) {
  const { partials } = options;
  const sinkOptions = { overwrite: options.overwrite, tree };
  if (file.size >= 0 && file.size <= SMALL_FILE_BYTES) {
    const maxBytes = file.size;
    return new SmallFileSink(tree.prepareTarget(file.segments), { ...sinkOptions, maxBytes });
  }
  if (!partials || !file.id || !file.fromKad) {
    return new FileSink(tree.prepareTarget(file.segments), sinkOptions);
  }
  // A partial of an older version of this path can never be continued now.
  const target = partials
    .forgetPath(file.relativePath)
    .then(() => tree.prepareTarget(file.segments));
  const resumable = {
    store: partials,
    file: { path: file.relativePath, size: file.size, id: file.id },
  };
  return new FileSink(target, { ...sinkOptions, resumable });
}

async function continuePartial(
  options: NodeReceiverOptions,
  tree: OutputTree,
  file: IncomingFile,
  proposal: { bytes: number; sha256: string },
): Promise<ResumedStart<string> | undefined> {
  const { partials } = options;
  if (!partials || !file.id || options.output === "-") return undefined;
  const entry = partials.find(file.relativePath, file.size, file.id);
  if (!entry) return undefined;
  partials.claim(entry);
  const hash = await checkPrefix(entry, proposal.bytes, proposal.sha256).catch(() => undefined);
  if (!hash) {
    // The sender's file changed since: its partial can never be continued.
    await partials.forget(entry);
    return undefined;
  }
  const target = tree.prepareTarget(file.segments);
  const continueFrom = { entry, offset: proposal.bytes };
  const sinkOptions = { overwrite: options.overwrite, tree, continueFrom };
  return { sink: new FileSink(target, sinkOptions), hash: nodeSha256(hash), bytes: proposal.bytes };
}
