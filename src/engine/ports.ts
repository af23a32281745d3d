/**
 * What the transfer engine needs from its host, so one engine runs in Node
 * (node-datachannel, node:crypto, the file system) and in the page
 * (RTCDataChannel, @noble/hashes, OPFS or memory). No `node:` imports here.
 */

export type ChannelMessage = string | Uint8Array;

/** This side's own `share` channel, as the engine writes to it. */
export interface OutgoingChannel {
  sendText(text: string): void;
  /** Resolves once the send buffer is below the high-water mark again; rejects once closed. */
  sendBinary(chunk: Uint8Array): Promise<void>;
  /** Largest message the peer accepts; 0 when unknown. */
  readonly maxMessageSize: number;
  /** Resolves once everything queued went out, or the channel closed. */
  drain(): Promise<void>;
  /** Waits at most `ms` for the peer to close the channel; true if it did. */
  closedWithin(ms: number): Promise<boolean>;
}

/** A channel whose send buffer can be compared with others' (a lane, or the share channel beside lanes). */
export interface MeasuredChannel extends OutgoingChannel {
  readonly bufferedAmount: number;
  readonly isOpen: boolean;
}

export interface StreamingHash {
  update(chunk: Uint8Array): void;
  hex(): string;
}

export type HashFactory = () => StreamingHash;

/**
 * Where one received file's bytes go until they are verified. `T` is what a
 * committed file becomes: a final path in the CLI, a Blob in the page.
 */
export interface ByteSink<T> {
  /** Resolves once the sink can store; rejects at once with why not (the target exists, say). */
  ready?(): Promise<void>;
  /** Queues a chunk without blocking; throws when the sink failed or its queue is full. */
  push(chunk: Uint8Array): void;
  /** Told the total bytes stored so far, as storing progresses. */
  onWritten: (total: number) => void;
  /** Resolves once every queued byte is stored; rejects with why not. */
  finish(): Promise<void>;
  /** Hands the verified bytes to the user (rename into place, or the finished Blob). */
  commit(): Promise<T>;
  /**
   * Removes whatever was stored, or keeps it for a later resume when `reason`
   * is an interruption and the sink can be resumed. Never rejects.
   */
  discard(reason?: unknown): Promise<void>;
}
