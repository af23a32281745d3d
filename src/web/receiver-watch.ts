/**
 * The page-as-sender's view of the receiver's own `share` channel: an original
 * browser stays silent there; a kad receiver says hello, reports bytes stored,
 * and acknowledges or refuses each file (src/protocol/share-messages.ts).
 */
import { parseReceiverExtension, type ReceiverExtension } from "../protocol/share-messages.js";
import { PageError } from "./page-error.js";
import type { PeerLink } from "./peer-link.js";

type Ack = Extract<ReceiverExtension, { kad: "ack" }>;

export class ReceiverWatch {
  private hello = false;
  private ack: Ack | undefined;
  private refusal: PageError | undefined;
  private wake: () => void = () => undefined;

  constructor(link: PeerLink) {
    link.inbox.listen((message) => {
      if (typeof message !== "string") return;
      const parsed = parseReceiverExtension(message);
      if (!parsed.ok) return;
      this.note(parsed.message);
      this.wake();
    });
  }

  get isKad(): boolean {
    return this.hello;
  }

  /** True once a kad hello arrived, false if none came within `ms`. */
  async waitForHello(ms: number): Promise<boolean> {
    await this.until(() => this.hello, ms).catch(() => undefined);
    return this.hello;
  }

  async waitForAck(ms: number): Promise<Ack> {
    await this.until(() => this.ack !== undefined, ms);
    return this.ack as Ack;
  }

  private note(message: ReceiverExtension): void {
    if (message.kad === "hello") this.hello = true;
    else if (message.kad === "ack") this.ack = message;
    else if (message.kad === "error") {
      const detail = message.message ? `: ${message.message}` : ` (${message.code})`;
      this.refusal = new PageError(
        message.code === "INTEGRITY" ? "integrity" : "protocol",
        `The receiver refused the file${detail}`,
      );
    }
  }

  private until(check: () => boolean, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new PageError("timeout", "The receiver did not confirm the file in time."));
      }, ms);
      this.wake = () => {
        if (this.refusal) reject(this.refusal);
        else if (!check()) return;
        else resolve();
        clearTimeout(timer);
      };
      this.wake();
    });
  }
}
