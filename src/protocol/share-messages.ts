/**
 * Everything that travels on the `share` data channels (browser-protocol.md
 * sections 4 and 6): the original metadata and kad's negotiated extensions.
 * This is the one place that documents them; the web page reuses it.
 *
 * PAKE (both sides kad; engine/pake.ts), before anything else:
 *
 *   sender                                        receiver
 *     |  <--- {"kad":"hello","v":1,"pake":1,...} ---  |  as its channel opens
 *     |  <--- {"kad":"pake","share":HEX} ------------ |  its CPace share
 *     |  --- {"kad":"pake","share":HEX,"mac":HEX} --> |  share + sender confirmation
 *     |                                               |  checks it, else BAD_CODE error
 *     |  <--- {"kad":"confirm","mac":HEX} ----------- |  receiver confirmation
 *     |  checks it, else BAD_CODE error               |
 *     |  --- metadata, bytes ... ------------------>  |
 *
 * The sender sends no metadata before it has checked the receiver's
 * confirmation; the receiver stores nothing before it has checked the
 * sender's. A sender that sends metadata first is an original client: the
 * receiver goes on, warning that the sender cannot be verified.
 *
 * Sender's channel (sender -> receiver)
 *   0. {"kad":"pake","share":HEX,"mac":HEX}              only to a receiver whose hello has "pake"
 *   1. metadata, text: {"name","size","type"}            original, always first
 *        + "kad": {"v":1, "path"?, "stream"?, "session"?, "acks"?}  kad only, ignored by a browser
 *          ("acks":true: the sender takes several acknowledgements in one "acks" message)
 *   2. file bytes, binary, any chunk size                original
 *   3. {"kad":"eof","bytes":N,"sha256":HEX}              only after the receiver's hello
 *   4. {"kad":"end","files":N,"bytes":N}                 only after the receiver's hello,
 *                                                        after the last file's ack: session over
 *   {"kad":"lane",...}, {"kad":"stripe",...}             only after a hello with lanes (see Lanes)
 *
 * Receiver's own channel (receiver -> sender; an original sender only logs it)
 *   {"kad":"hello","v":1}             sent as soon as the channel opens: "I am kad"
 *                                     (+ "pake":1: it knows a secret and runs the PAKE above)
 *                                     (+ "single":true: it takes one file only, kad receive -o -)
 *                                     (+ "session":true: it takes every file on this connection)
 *                                     (+ "resume":[{path,size,id,bytes}]: partial files it holds)
 *                                     (+ "lanes":N: it accepts N extra connections, see Lanes)
 *   {"kad":"pake","share":HEX}        its CPace share, right after the hello
 *   {"kad":"confirm","mac":HEX}       its key confirmation, once the sender's checked out
 *   {"kad":"resume","bytes":N}        answer to a metadata "kad.resume": send from byte N (0 or the offer)
 *   {"kad":"written","bytes":N}       flow control: bytes safely written so far
 *   {"kad":"ack","bytes":N,"sha256":HEX}   file verified and renamed into place
 *   {"kad":"acks","files":[{bytes,sha256},...]}   several acks at once, in file order
 *                                     (only to a sender whose metadata said "acks":true)
 *   {"kad":"lane",...}                answer to a lane offer (see Lanes)
 *   {"kad":"error","code":C,"message":M}   refused (either direction), then close
 *
 * Negotiation: a kad sender waits briefly for the hello before its metadata.
 * Without one (an original browser) it sends only the original messages and
 * takes the receiver's close after `size` bytes as completion. A kad receiver
 * sees `kad` in the metadata; without it (an original browser sender) it sends
 * no flow control and completes when it holds `size` bytes.
 *
 * Session (both sides kad, the receiver said "session":true): every file of
 * the send travels on this one connection, each as 1-3 above with
 * "kad.session":true in its metadata; the sender may send the next file's
 * metadata before the previous file's ack (at most 64 unacknowledged), acks
 * come in file order, and 4 follows the last ack. "written" counts the bytes
 * stored on the connection across its files. Without the flag, each file
 * gets its own connection (one initiate per file), as the original does.
 *
 * Resume: a kad sender marks each file of 1 MiB or more with "kad.id", an
 * identity of its content (size, mtime, hash of the first 64 KiB). A kad
 * receiver that keeps an interrupted file's partial offers it in its hello.
 * A sender whose file has the same path, size and id hashes its own first
 * `bytes` and sends metadata with "kad.resume":{bytes,sha256}, then waits: the
 * receiver compares that with the SHA-256 of the partial it holds and answers
 * {"kad":"resume","bytes":N}, N being the offer when they match and 0 when
 * not (a changed file is never stitched). Bytes then go from N; the eof's
 * SHA-256 still covers the whole file.
 *
 * Stream (size unknown, e.g. stdin): metadata `size` is -1 and `kad.stream` is
 * true; sent only to a receiver that said hello. The eof message gives the length.
 *
 * Lanes (both sides kad, the code proved; a session, or the one file of
 * `kad receive -o -`): one association is CPU-bound per packet, so a sender
 * with a large file may open up to "lanes" (from the hello) extra peer
 * connections and stripe file bytes over them. Their set-up travels on the
 * share channels, inside the connection the PAKE authenticated, so their
 * DTLS fingerprints are as trusted as its:
 *
 *   sender                                        receiver
 *     |  --- {"kad":"lane","lane":i,"offer":{type,sdp},"candidates":[...]} -->  |
 *     |  <-- {"kad":"lane","lane":i,"answer":{type,sdp},"candidates":[...]} --  |
 *     |  the sender's "kad-lane" channel on lane i opens                     |
 *     |  <-- {"kad":"ready"} on that channel, once the receiver listens ----  |
 *
 * The sender puts no byte on a lane before its "ready": libdatachannel may
 * hand over messages out of order that arrive while a listener is attached.
 *
 * A lane carries only file bytes, binary. After putting n bytes of the
 * current file on lane i, the sender says so on its share channel, in file
 * order: {"kad":"stripe","lane":i,"bytes":n}. The receiver takes the next n
 * bytes of lane i in place of that message; bytes sent inline on the share
 * channel stay where they are. Without the hello's "lanes" nothing changes.
 */
import * as z from "zod/mini";
import { MAX_LANES } from "./limits.js";
import { candidateSchema, sessionDescriptionSchema } from "./signaling-messages.js";

export const SHARE_CHANNEL_LABEL = "share";
export const KAD_SHARE_VERSION = 1;

/** Largest text message accepted on a share channel. */
export const MAX_SHARE_TEXT_BYTES = 16 * 1024;
export const MAX_FILE_NAME_LENGTH = 1024;
export const MAX_RELATIVE_PATH_LENGTH = 4096;
export const UNKNOWN_SIZE = -1;
/** The label of the data channel a lane carries file bytes on. */
export const LANE_CHANNEL_LABEL = "kad-lane";
/** What the receiver says on a lane's channel once it listens there (see Lanes). */
export const LANE_READY = '{"kad":"ready"}';
/** Largest stripe a sender may announce: it is held in memory until its marker comes. */
export const MAX_STRIPE_BYTES = 16 * 1024 * 1024;
/** Candidates in one lane message; with its SDP it must fit MAX_SHARE_TEXT_BYTES. */
export const MAX_LANE_CANDIDATES = 16;
export const MAX_FILE_ID_LENGTH = 128;
/** Partial files offered in one hello; the hello must stay one small message. */
export const MAX_RESUME_OFFERS = 16;
/** The PAKE this version runs (CPace over ristretto255, engine/cpace.ts). */
export const KAD_PAKE_VERSION = 1;
/** Acknowledgements in one "acks" message (a sender has at most 64 files unacknowledged). */
export const MAX_ACKS_PER_MESSAGE = 64;

const sha256Hex = z.string().check(z.regex(/^[0-9a-f]{64}$/));
/** A ristretto255 point or an HMAC-SHA-256, both 32 bytes. */
const hex32 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
const byteCount = z.int().check(z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER));
const boundedText = (min: number, max: number) =>
  z.string().check(z.minLength(min), z.maxLength(max));

/** A sender's identity of a file's content: size, modification time, hash of its first bytes. */
const fileId = boundedText(1, MAX_FILE_ID_LENGTH);

/** A partial file a receiver holds and could continue (see Resume above). */
export const resumeOfferSchema = z.object({
  path: boundedText(1, MAX_RELATIVE_PATH_LENGTH),
  size: byteCount,
  id: fileId,
  bytes: byteCount,
});
export type ResumeOffer = z.infer<typeof resumeOfferSchema>;

export const kadMetadataSchema = z.object({
  v: z.int().check(z.minimum(1)),
  path: z.optional(boundedText(1, MAX_RELATIVE_PATH_LENGTH)),
  stream: z.optional(z.boolean()),
  session: z.optional(z.boolean()),
  acks: z.optional(z.boolean()),
  id: z.optional(fileId),
  resume: z.optional(z.object({ bytes: byteCount, sha256: sha256Hex })),
});

export const metadataSchema = z.object({
  name: boundedText(1, MAX_FILE_NAME_LENGTH),
  size: z.int().check(z.minimum(UNKNOWN_SIZE), z.maximum(Number.MAX_SAFE_INTEGER)),
  type: z.catch(boundedText(0, 256), ""),
  kad: z.optional(kadMetadataSchema),
});
export type FileMetadata = z.infer<typeof metadataSchema>;

export const SHARE_ERROR_CODES = [
  "EXISTS",
  "INTEGRITY",
  "PROTOCOL",
  "DISK",
  "INTERRUPTED",
  "UNSUPPORTED",
  "BAD_CODE",
] as const;
export type ShareErrorCode = (typeof SHARE_ERROR_CODES)[number];

const errorMessage = z.object({
  kad: z.literal("error"),
  code: z.catch(z.enum(SHARE_ERROR_CODES), "PROTOCOL"),
  message: z.catch(boundedText(0, 512), ""),
});

const laneNumber = z.int().check(z.minimum(1), z.maximum(MAX_LANES));
const laneDescription = (type: "offer" | "answer") =>
  z.extend(sessionDescriptionSchema, {
    type: z.literal(type),
    sdp: boundedText(0, MAX_SHARE_TEXT_BYTES),
  });
const laneCandidates = z.array(candidateSchema).check(z.maxLength(MAX_LANE_CANDIDATES));

export const senderExtensionSchema = z.discriminatedUnion("kad", [
  z.object({ kad: z.literal("eof"), bytes: byteCount, sha256: sha256Hex }),
  z.object({ kad: z.literal("end"), files: byteCount, bytes: byteCount }),
  z.object({ kad: z.literal("pake"), share: hex32, mac: hex32 }),
  z.object({
    kad: z.literal("lane"),
    lane: laneNumber,
    offer: laneDescription("offer"),
    candidates: laneCandidates,
  }),
  z.object({
    kad: z.literal("stripe"),
    lane: laneNumber,
    bytes: z.int().check(z.minimum(1), z.maximum(MAX_STRIPE_BYTES)),
  }),
  errorMessage,
]);
export type SenderExtension = z.infer<typeof senderExtensionSchema>;

export const receiverExtensionSchema = z.discriminatedUnion("kad", [
  z.object({
    kad: z.literal("hello"),
    v: z.int().check(z.minimum(1)),
    pake: z.optional(z.int().check(z.minimum(1))),
    single: z.optional(z.boolean()),
    session: z.optional(z.boolean()),
    resume: z.optional(z.array(resumeOfferSchema).check(z.maxLength(MAX_RESUME_OFFERS))),
    lanes: z.optional(z.int().check(z.minimum(0), z.maximum(MAX_LANES))),
  }),
  z.object({ kad: z.literal("pake"), share: hex32 }),
  z.object({ kad: z.literal("confirm"), mac: hex32 }),
  z.object({ kad: z.literal("resume"), bytes: byteCount }),
  z.object({ kad: z.literal("written"), bytes: byteCount }),
  z.object({ kad: z.literal("ack"), bytes: byteCount, sha256: sha256Hex }),
  z.object({
    kad: z.literal("acks"),
    files: z
      .array(z.object({ bytes: byteCount, sha256: sha256Hex }))
      .check(z.minLength(1), z.maxLength(MAX_ACKS_PER_MESSAGE)),
  }),
  z.object({
    kad: z.literal("lane"),
    lane: laneNumber,
    answer: laneDescription("answer"),
    candidates: laneCandidates,
  }),
  errorMessage,
]);
export type ReceiverExtension = z.infer<typeof receiverExtensionSchema>;

export type ShareParse<T> = { ok: true; message: T } | { ok: false; reason: string };

function parseJsonText<T>(text: string, schema: z.ZodMiniType<T>): ShareParse<T> {
  if (text.length > MAX_SHARE_TEXT_BYTES) return { ok: false, reason: "message too large" };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  const result = schema.safeParse(value);
  if (!result.success) return { ok: false, reason: "unexpected fields" };
  return { ok: true, message: result.data };
}

export function parseMetadata(text: string): ShareParse<FileMetadata> {
  return parseJsonText(text, metadataSchema);
}

export function parseSenderExtension(text: string): ShareParse<SenderExtension> {
  return parseJsonText(text, senderExtensionSchema);
}

export function parseReceiverExtension(text: string): ShareParse<ReceiverExtension> {
  return parseJsonText(text, receiverExtensionSchema);
}

export function encodeShareMessage(message: FileMetadata | SenderExtension | ReceiverExtension) {
  return JSON.stringify(message);
}
