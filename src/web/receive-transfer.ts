/**
 * Receives one file from the sender's `share` channel (browser-protocol.md
 * section 4): the metadata text message, then binary chunks until `size`
 * bytes are in, then the receiver closes the channel.
 */
import { channelClosed, connectionLost, peerLeft } from "./channel-waits.js";
import { PageError } from "./page-error.js";
import type { ChannelMessage, PeerLink } from "./peer-link.js";
import { openSink, type ReceiveSink } from "./receive-sink.js";
import { safeFileName } from "./safe-name.js";

/** Files past 2^53 bytes cannot be counted exactly in JavaScript anyway. */
const MAX_FILE_BYTES = Number.MAX_SAFE_INTEGER;
const MAX_TYPE_LENGTH = 255;
const MAX_NAME_LENGTH = 4096;

export interface IncomingFile {
  name: string;
  size: number;
  type: string;
}

export interface ReceivedFile extends IncomingFile {
  blob: Blob;
}

export interface ReceiveObserver {
  onMetadata(file: IncomingFile, sinkKind: ReceiveSink["kind"]): void;
  onProgress(bytes: number): void;
}

type State = "metadata" | "bytes" | "finishing" | "done" | "failed";

export function receiveFile(link: PeerLink, observer: ReceiveObserver): Promise<ReceivedFile> {
  return new Promise((resolve, reject) => {
    const channel = link.remote;
    let state: State = "metadata";
    let file: IncomingFile | undefined;
    let sink: ReceiveSink | undefined;
    let received = 0;
    let queue = Promise.resolve();

    const fail = (error: unknown) => {
      if (state === "done" || state === "failed") return;
      state = "failed";
      sink?.discard();
      channel.close();
      reject(error);
    };

    const complete = async (incoming: IncomingFile, target: ReceiveSink) => {
      state = "finishing";
      const blob = await target.finish();
      channel.close();
      state = "done";
      resolve({ ...incoming, blob });
    };

    const handle = async (message: ChannelMessage) => {
      if (state === "metadata") {
        if (typeof message !== "string")
          throw new PageError("protocol", "The sender skipped the file description.");
        file = parseMetadata(message);
        sink = await openSink(file.size, file.type);
        state = "bytes";
        observer.onMetadata(file, sink.kind);
        if (file.size === 0) await complete(file, sink);
        return;
      }
      if (state !== "bytes" || !file || !sink || typeof message === "string") return;
      const chunk = new Uint8Array(message);
      if (received + chunk.byteLength > file.size) {
        throw new PageError("integrity", "The sender sent more bytes than it announced.");
      }
      sink.write(chunk);
      received += chunk.byteLength;
      observer.onProgress(received);
      if (received === file.size) await complete(file, sink);
    };

    link.inbox.listen((message) => {
      queue = queue.then(() => handle(message)).catch(fail);
    });
    void channelClosed(channel).then(() => {
      queue = queue.then(() => fail(peerLeft()));
    });
    connectionLost(link).catch(fail);
  });
}

function parseMetadata(text: string): IncomingFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const record = (typeof value === "object" && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  const { name, size, type } = record;
  if (typeof name !== "string" || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new PageError("protocol", "The sender's file description has no usable name.");
  }
  if (
    typeof size !== "number" ||
    !Number.isSafeInteger(size) ||
    size < 0 ||
    size > MAX_FILE_BYTES
  ) {
    throw new PageError("protocol", "The sender's file description has no usable size.");
  }
  const safeType = typeof type === "string" && type.length <= MAX_TYPE_LENGTH ? type : "";
  return { name: safeFileName(name), size, type: safeType };
}
