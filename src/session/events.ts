/**
 * What a session reports while it runs. The CLI reporters render these; with
 * --json they are printed as they are, one object a line, so their shape is
 * part of kad's contract with scripts.
 */
import type { PeerPath } from "../webrtc/selected-path.js";

export type SessionEvent =
  | {
      event: "code";
      code: string;
      url: string;
      command: string;
      server: string;
      /** Present (true) when the room has a password the receiver must give too. */
      password?: true;
    }
  | { event: "status"; message: string }
  | { event: "peer"; name: string }
  /** Once a peer connection is up: how the bytes flow (src/webrtc/selected-path.ts). */
  | ({ event: "path" } & PeerPath)
  | {
      event: "file";
      name: string;
      size: number | null;
      index: number;
      count: number | null;
      /** Receiver: bytes already held from an interrupted transfer (0 when none). */
      offset?: number;
    }
  | { event: "progress"; name: string; bytes: number; total: number | null }
  | { event: "file-done"; name: string; size: number; sha256: string; path?: string }
  /** Sender: `lanes`, the extra connections that carried bytes (absent: none). */
  | { event: "done"; files: number; bytes: number; lanes?: number }
  /** --verify: words derived from the key both sides agreed on; the same on both sides unless someone is in between. */
  | { event: "verify"; words: string }
  /** Something the user should know that did not stop the transfer. */
  | { event: "warning"; message: string }
  /** kad send left something in a directory out (a symbolic link, an empty directory, a FIFO...). */
  | { event: "skipped"; path: string; reason: string }
  | { event: "error"; code: string; message: string };

export type EventSink = (event: SessionEvent) => void;

export interface SessionSummary {
  files: number;
  bytes: number;
}
