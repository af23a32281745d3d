/**
 * A joined room: the member list, files going out (one initiate per file,
 * one at a time per person) and files coming in (each initiate answered).
 */
import { isKadSender } from "../protocol/sender-retry.js";
import type { Member } from "../protocol/signaling-messages.js";
import { channelClosed } from "./channel-waits.js";
import { h } from "./dom.js";
import { IncomingSetup } from "./incoming-setup.js";
import { toPageError } from "./kad-errors.js";
import { MembersList } from "./members-list.js";
import { cancelled, describeError, PageError } from "./page-error.js";
import { answerInitiate, initiateTo, type LinkOptions, type PeerLink } from "./peer-link.js";
import {
  GOODBYE_MS,
  type IncomingFile,
  type PageReceivedFile,
  receiveFiles,
} from "./receive-transfer.js";
import { RowGroup } from "./row-group.js";
import type { SenderCode } from "./send-code-check.js";
import { type SendObserver, sendFiles } from "./send-transfer.js";
import type { IncomingInitiate, Signaling } from "./signaling.js";
import { resumedText, TransferRow } from "./transfer-row.js";
import { type UnverifiedChoice, unverifiedChoice } from "./unverified-choice.js";

/** Bounds what one hostile member can make this tab hold open. */
const MAX_CONCURRENT_INCOMING = 4;
/** A member who leaves may have just sent the last bytes; give those a moment to land. */
const PEER_LEFT_GRACE_MS = 10_000;
/** After success, the other side may still send (kad's session end) or be closing. */
const LINGER_MS = 30_000;
const CLOSE_AFTER_FAILURE_MS = 1_000;

interface TransferContext {
  onLink(link: PeerLink): PeerLink;
  signal: AbortSignal;
}

interface ActiveTransfer {
  peerId: string;
  link: PeerLink | undefined;
  abort(error: unknown): void;
}

export class RoomSession {
  readonly element: HTMLElement;
  private readonly members: MembersList;
  private readonly transfers: HTMLUListElement;
  private readonly sendQueues = new Map<string, Promise<void>>();
  private readonly active = new Set<ActiveTransfer>();
  /** Connections from kad senders still being set up, by sender id. */
  private readonly setups = new Map<string, IncomingSetup<IncomingInitiate, PeerLink>>();
  private readonly turnedAwayLine: HTMLElement;
  /** Only in a room with secret words: without them nothing can be checked anyway. */
  private readonly unverified: UnverifiedChoice | undefined;
  private incoming = 0;
  private turnedAway = 0;
  /** Connections of this tab, numbered on the rows they carry (tests read it). */
  private connections = 0;

  constructor(
    private signaling: Signaling,
    private readonly options: LinkOptions,
  ) {
    this.members = new MembersList((member, files) => this.send(member, files));
    this.transfers = h("ul", { class: "transfers" });
    this.turnedAwayLine = h("p", { class: "transfer-note", role: "status", hidden: true });
    this.unverified = options.code?.secret ? unverifiedChoice() : undefined;
    this.element = h(
      "div",
      { class: "room-session" },
      this.members.element,
      this.unverified?.element,
      h(
        "section",
        { class: "card", "aria-labelledby": "transfers-title" },
        h("h2", { id: "transfers-title" }, "Transfers"),
        this.turnedAwayLine,
        this.transfers,
      ),
    );
  }

  /** After a rejoin: new transfers go through the new connection, running ones go on. */
  reconnect(signaling: Signaling): void {
    this.signaling = signaling;
  }

  get busy(): boolean {
    return this.active.size > 0;
  }

  /** Files dropped anywhere on the page go to the only other member, if there is one. */
  sendToSoleMember(files: File[]): boolean {
    const member = this.members.soleMember;
    if (!member) return false;
    this.send(member, files);
    return true;
  }

  updateMembers(members: Member[]): void {
    const present = new Set(members.map((member) => member.id));
    const departed = [...this.active]
      .filter((transfer) => !present.has(transfer.peerId))
      .map((transfer) => ({
        transfer,
        name: this.members.nameOf(transfer.peerId, "The other side"),
      }));
    this.members.update(members);
    for (const { transfer, name } of departed) {
      giveUpWhenConnectionDrops(
        transfer,
        new PageError("peer-left", `${name} left before the transfer finished.`),
        () => !this.members.has(transfer.peerId),
      );
    }
  }

  receive(initiate: IncomingInitiate): void {
    const setup = this.setups.get(initiate.from);
    if (setup) {
      setup.supersede(initiate);
      return;
    }
    if (this.incoming >= MAX_CONCURRENT_INCOMING) {
      this.turnAway();
      return;
    }
    this.incoming += 1;
    const name = this.members.nameOf(initiate.from);
    const connection = String(++this.connections);
    const group = new RowGroup((row) => {
      row.element.dataset.connection = connection;
      this.addRow(row);
    });
    const first = group.add(new TransferRow("receive", name, "Incoming file"));
    first.setStatus("Connecting…");
    const rows = new Map<number, TransferRow>();
    const rowOf = (file: IncomingFile) => rows.get(file.index) ?? first;
    void this.track(initiate.from, group, async ({ onLink, signal }) => {
      const link = onLink(await this.answer(initiate, isKadSender(name), signal));
      await receiveFiles(
        link,
        signal,
        {
          onFile: (file) => {
            const row = file.index === 0 ? first : group.add(new TransferRow("receive", name, ""));
            rows.set(file.index, row);
            row.start(file.relativePath, file.size, file.offset);
          },
          onSink: (file, sink) => {
            rowOf(file).element.dataset.sink = sink;
          },
          onProgress: (file, bytes) => rowOf(file).progress(bytes),
          onFileDone: (file) => finishReceived(rowOf(file), file),
          onSessionEnd: ({ files }) =>
            [...rows.values()]
              .at(-1)
              ?.note(`${name} has finished sending (${files} ${files === 1 ? "file" : "files"}).`),
        },
        this.options.code,
      );
    }).finally(() => {
      this.incoming -= 1;
    });
  }

  /**
   * A kad sender may try again with a newer initiate while this one is set
   * up (incoming-setup.ts); `cancelled` is the person's Cancel.
   */
  private async answer(
    initiate: IncomingInitiate,
    fromKadSender: boolean,
    cancelled: AbortSignal,
  ): Promise<PeerLink> {
    const answerOne = (next: IncomingInitiate, signal: AbortSignal) =>
      answerInitiate(this.signaling, next, this.options, signal);
    if (!fromKadSender) return answerOne(initiate, cancelled);
    const setup = new IncomingSetup<IncomingInitiate, PeerLink>();
    this.setups.set(initiate.from, setup);
    try {
      return await setup.connect(initiate, answerOne, cancelled);
    } finally {
      this.setups.delete(initiate.from);
    }
  }

  /** One line, counted, however many arrive: a flood must not grow the page. */
  private turnAway(): void {
    this.turnedAway += 1;
    this.turnedAwayLine.hidden = false;
    const files = this.turnedAway === 1 ? "1 incoming file" : `${this.turnedAway} incoming files`;
    this.turnedAwayLine.textContent = `Turned away ${files}: ${MAX_CONCURRENT_INCOMING} were already arriving. The sender can try again once one of those ends.`;
  }

  /** The files picked at once go together: one connection if the receiver takes a session. */
  private send(member: Member, files: File[]): void {
    const group = new RowGroup((row) => this.addRow(row));
    const rows = files.map((file) => group.add(new TransferRow("send", member.name, file.name)));
    for (const row of rows) row.setStatus(`Queued for ${member.name}…`);
    const previous = this.sendQueues.get(member.id) ?? Promise.resolve();
    const next = previous.then(() =>
      this.track(member.id, group, ({ onLink, signal }) =>
        sendFiles({
          files,
          signal,
          code: this.senderCode(),
          connect: async () => onLink(await initiateTo(this.signaling, member.id, this.options)),
          observer: sendObserver(rows, files, member.name, () => ++this.connections),
        }),
      ),
    );
    this.sendQueues.set(member.id, next);
  }

  private senderCode(): SenderCode | undefined {
    const code = this.options.code;
    if (!code) return undefined;
    return { ...code, allowUnverified: () => this.unverified?.allowed() ?? false };
  }

  /**
   * Runs one transfer with a Cancel button, fails its open rows on any
   * error, and always releases its connections.
   */
  private async track(
    peerId: string,
    group: RowGroup,
    work: (context: TransferContext) => Promise<void>,
  ): Promise<void> {
    let link: PeerLink | undefined;
    let entry: ActiveTransfer | undefined;
    const aborted = new Promise<never>((_, reject) => {
      entry = { peerId, link: undefined, abort: reject };
    });
    if (entry) this.active.add(entry);
    const cancel = new AbortController();
    group.allowCancel(() => {
      // Listeners on the signal say goodbye to a kad peer before the channels close.
      cancel.abort();
      entry?.abort(cancelled());
    });
    const onLink = (established: PeerLink) => {
      // A pick sent one connection per file: the previous file's is done.
      if (link) lingerThenClose(link);
      link = established;
      if (entry) entry.link = established;
      return established;
    };
    try {
      await Promise.race([work({ onLink, signal: cancel.signal }), aborted]);
      if (link) lingerThenClose(link);
    } catch (error) {
      const failure = toPageError(error);
      const wasCancelled = failure instanceof PageError && failure.kind === "cancelled";
      group.fail(describeError(failure), wasCancelled ? "cancelled" : "failed");
      // Tells the transfer at once why it stops: a receive whose sender left keeps its partial.
      if (failure instanceof PageError && failure.kind === "peer-left") cancel.abort(failure);
      // Closing the channels ends the transfer code still waiting on them. It
      // waits a moment so a goodbye to a kad peer (why it stopped) gets there
      // first, and the connection goes a moment after that.
      const failed = link;
      setTimeout(() => {
        failed?.own.close();
        failed?.remote.close();
      }, GOODBYE_MS);
      setTimeout(() => failed?.pc.close(), GOODBYE_MS + CLOSE_AFTER_FAILURE_MS);
    } finally {
      group.allowCancel(undefined);
      if (entry) this.active.delete(entry);
    }
  }

  private addRow(row: TransferRow): TransferRow {
    this.transfers.append(row.element);
    return row;
  }
}

/** Keeps a finished connection until the other side closes it, or a while. */
function lingerThenClose(link: PeerLink): void {
  const timer = setTimeout(() => link.pc.close(), LINGER_MS);
  void channelClosed(link.remote).then(() => {
    clearTimeout(timer);
    link.pc.close();
  });
}

/**
 * A member who left the room may still be finishing its last bytes, but a
 * closed tab or killed process sends no goodbye on the data channel: its ICE
 * connection just stops answering (Chromium reports "disconnected" within
 * about 5 s). So once the member has left, a connection that drops means the
 * transfer is over, and a grace period bounds the rest. A transfer still
 * setting up ends by itself (the server refuses the relay, or ICE fails), and
 * a member who is back in the list by then (a glitch) is not given up on.
 */
function giveUpWhenConnectionDrops(
  transfer: ActiveTransfer,
  error: PageError,
  stillGone: () => boolean,
): void {
  const giveUp = () => {
    if (stillGone()) transfer.abort(error);
  };
  const pc = transfer.link?.pc;
  const dropped = () => pc !== undefined && pc.connectionState !== "connected";
  if (dropped()) {
    giveUp();
    return;
  }
  pc?.addEventListener("connectionstatechange", () => {
    if (dropped()) giveUp();
  });
  setTimeout(giveUp, PEER_LEFT_GRACE_MS);
}

/** The rows of a pick follow the engine's progress; each names the connection it went on. */
function sendObserver(
  rows: TransferRow[],
  files: File[],
  memberName: string,
  nextConnection: () => number,
): SendObserver {
  const rowAt = (index: number) => rows[index] as TransferRow;
  const sizeAt = (index: number) => files[index]?.size ?? 0;
  return {
    onConnection: (index) => {
      const number = String(nextConnection());
      for (const row of rows.slice(index)) {
        row.element.dataset.connection = number;
        if (row.open) row.setStatus(`Connecting to ${memberName}…`);
      }
    },
    onStart: (index) => rowAt(index).start(files[index]?.name ?? "", sizeAt(index)),
    onProgress: (index, bytes) => rowAt(index).progress(bytes),
    onDone: (index, verified) =>
      rowAt(index).finish(
        verified ? "Sent; the receiver verified its SHA-256." : "Sent.",
        sizeAt(index),
      ),
  };
}

function finishReceived(row: TransferRow, file: PageReceivedFile): void {
  const name = file.segments.at(-1) ?? "file";
  const save = h(
    "a",
    { class: "button", href: URL.createObjectURL(file.stored), download: name },
    `Save ${name}`,
  );
  const summary = file.fromKad ? "Received, SHA-256 verified" : "Received";
  const resumed = file.offset > 0 ? ` (${resumedText(file.offset)})` : "";
  row.finish(`${summary}${resumed}.`, file.bytes, save);
}
