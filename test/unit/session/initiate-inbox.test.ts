import { describe, expect, it } from "vitest";
import type { IncomingInitiate } from "../../../src/protocol/signaling-client.js";
import { InitiateInbox } from "../../../src/session/initiate-inbox.js";

function initiate(from: string, requestId: string): IncomingInitiate {
  return { from, requestId, offer: {} };
}

describe("InitiateInbox", () => {
  it("serves only the sender it chose first, newest initiate first", async () => {
    const inbox = new InitiateInbox();
    const arrivals: string[] = [];
    inbox.onArrival(() => arrivals.push("arrived"));
    inbox.offer(initiate("sender", "1"));
    inbox.offer(initiate("stranger", "2"));
    inbox.offer(initiate("sender", "3"));
    expect(inbox.senderId).toBe("sender");
    expect(arrivals).toEqual(["arrived", "arrived"]);
    expect((await inbox.next()).requestId).toBe("3");
    const waiting = inbox.next();
    inbox.offer(initiate("stranger", "4"));
    inbox.offer(initiate("sender", "5"));
    expect((await waiting).requestId).toBe("5");
  });

  it("a preferred sender (the kad sender listed at join) wins over an earlier stranger", async () => {
    const inbox = new InitiateInbox();
    inbox.prefer("kad-sender");
    inbox.offer(initiate("stranger", "1"));
    inbox.offer(initiate("kad-sender", "2"));
    inbox.prefer("someone-else");
    expect(inbox.senderId).toBe("kad-sender");
    expect((await inbox.next()).requestId).toBe("2");
  });

  it("an abandoned wait does not swallow the next initiate", async () => {
    const inbox = new InitiateInbox();
    void inbox.next();
    const served = inbox.next();
    inbox.offer(initiate("sender", "1"));
    expect((await served).requestId).toBe("1");
  });
});
