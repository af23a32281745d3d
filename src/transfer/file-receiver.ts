/**
 * The engine's receiver (src/engine/file-receiver.ts) in Node: bytes go to a
 * temporary file beside the target, renamed into place once verified, or to
 * stdout for `-o -` (which takes one file only).
 */
import type { Writable } from "node:stream";
import { FileReceiver, type IncomingFile, type ReceivedFile } from "../engine/file-receiver.js";
import { KadError } from "../util/errors.js";
import { FileSink, StreamSink } from "./byte-sink.js";
import { nodeSha256 } from "./outgoing-file.js";
import { prepareTarget } from "./output-path.js";

export type { IncomingFile };
/** A received file; `stored` is its final path, or "-" for stdout. */
export type SavedFile = ReceivedFile<string>;

export interface NodeReceiverOptions {
  /** A directory, or "-" for stdout. */
  output: string;
  overwrite: boolean;
  stdout: Writable;
  /** Sends a text message on the receiver's own channel. */
  sendBack(text: string): void;
  onFile(file: IncomingFile): void;
  onProgress(file: IncomingFile, bytes: number): void;
  onFileDone(file: SavedFile): void;
  onEnd(summary: { files: number; bytes: number }): void;
}

export function createFileReceiver(options: NodeReceiverOptions): FileReceiver<string> {
  let streams = 0;
  return new FileReceiver<string>({
    hash: nodeSha256,
    openSink: (file) => {
      if (options.output !== "-") {
        const target = prepareTarget(options.output, file.segments);
        return new FileSink(target, options.overwrite, options.output);
      }
      streams += 1;
      if (streams > 1) {
        throw new KadError(
          "PROTOCOL",
          "the sender sent more than one file, but -o - takes a single one",
          {
            hint: "Receive into a directory instead (leave out -o -).",
          },
        );
      }
      return new StreamSink(options.stdout);
    },
    sendBack: options.sendBack,
    onFile: options.onFile,
    onProgress: options.onProgress,
    onFileDone: options.onFileDone,
    onEnd: options.onEnd,
  });
}
