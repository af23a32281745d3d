/**
 * Sends every file of a send on one connection (a kad receiver that said
 * `session`): each file's bytes go out while earlier files are still being
 * verified, at most MAX_UNACKED_FILES await their acknowledgement, and
 * acknowledgements are claimed in order. The CLI and the page supply how a
 * file is opened, sent and reported, and how the session is cancelled.
 */
import { confirmFile, type OutgoingFile, type SendContext, type SentFile } from "./file-sender.js";
import { MAX_UNACKED_FILES } from "./transfer-limits.js";

export interface PipelineSteps<F extends OutgoingFile> {
  /** The index-th file, ready to send. */
  open(index: number): F | Promise<F>;
  /** Sends its metadata and bytes (sendFileBytes, with the caller's progress and stall guards). */
  send(index: number, file: F): Promise<SentFile>;
  /** The receiver confirmed the file. */
  confirmed(index: number, file: F, sent: SentFile): void | Promise<void>;
  /** Settles like `promise` unless the session fails first. */
  race<T>(promise: Promise<T>): Promise<T>;
  /** Fails the session (a confirmation failed while later files were sending). */
  fail(error: unknown): void;
}

export async function sendPipelined<F extends OutgoingFile>(
  count: number,
  context: SendContext,
  steps: PipelineSteps<F>,
): Promise<void> {
  const confirmations: Promise<void>[] = [];
  let confirmed: Promise<void> = Promise.resolve();
  for (let index = 0; index < count; index++) {
    const older = confirmations[index - MAX_UNACKED_FILES];
    if (older) await steps.race(older);
    const file = await steps.open(index);
    const sent = await steps.race(steps.send(index, file));
    context.sentBefore += sent.bytes - sent.resumedFrom;
    confirmed = confirmed
      .then(() => confirmFile(file, sent, context))
      .then(() => steps.confirmed(index, file, sent));
    confirmed.catch((error) => steps.fail(error));
    confirmations.push(confirmed);
  }
  await steps.race(confirmed);
}
