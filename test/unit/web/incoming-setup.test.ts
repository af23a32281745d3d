import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { IncomingSetup, RETRY_WAIT_MS } from "../../../src/web/incoming-setup.js";

/** A fake answerer: each initiate's set-up is settled by the test. */
function fakeAnswerer() {
  const attempts: {
    initiate: string;
    signal: AbortSignal;
    open(link: string): void;
    fail(error: Error): void;
  }[] = [];
  const answerOne = (initiate: string, signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      attempts.push({ initiate, signal, open: resolve, fail: reject });
    });
  return { attempts, answerOne };
}

describe("IncomingSetup", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("returns the link of a set-up that opens", async () => {
    const { attempts, answerOne } = fakeAnswerer();
    const connecting = new IncomingSetup<string, string>().connect("first", answerOne);
    attempts[0]?.open("link-1");
    await expect(connecting).resolves.toBe("link-1");
    expect(attempts).toHaveLength(1);
  });

  it("a newer initiate aborts the set-up under way and answers the newer one", async () => {
    const { attempts, answerOne } = fakeAnswerer();
    const setup = new IncomingSetup<string, string>();
    const connecting = setup.connect("first", answerOne);
    await vi.advanceTimersByTimeAsync(0);
    setup.supersede("second");
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts.map((attempt) => attempt.initiate)).toEqual(["first", "second"]);
    expect(attempts[0]?.signal.aborted).toBe(true);
    // The first one's late outcome no longer counts.
    attempts[0]?.fail(new Error("closed"));
    attempts[1]?.open("link-2");
    await expect(connecting).resolves.toBe("link-2");
    expect(attempts[1]?.signal.aborted).toBe(false);
  });

  it("a failed set-up waits for the sender's next initiate and connects with it", async () => {
    const { attempts, answerOne } = fakeAnswerer();
    const setup = new IncomingSetup<string, string>();
    const connecting = setup.connect("first", answerOne);
    attempts[0]?.fail(new Error("no path"));
    await vi.advanceTimersByTimeAsync(RETRY_WAIT_MS - 1);
    setup.supersede("second");
    await vi.advanceTimersByTimeAsync(0);
    attempts[1]?.open("link-2");
    await expect(connecting).resolves.toBe("link-2");
  });

  it("a failed set-up with no next initiate fails with its own error once the wait is over", async () => {
    const { attempts, answerOne } = fakeAnswerer();
    const connecting = new IncomingSetup<string, string>().connect("first", answerOne);
    const outcome = connecting.catch((error: Error) => error.message);
    attempts[0]?.fail(new Error("no path"));
    await vi.advanceTimersByTimeAsync(RETRY_WAIT_MS - 1);
    let settled = false;
    void outcome.then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(outcome).resolves.toBe("no path");
  });

  it("an initiate that came while nothing waited is taken by the next wait", async () => {
    const { attempts, answerOne } = fakeAnswerer();
    const setup = new IncomingSetup<string, string>(1_000);
    const connecting = setup.connect("first", answerOne);
    attempts[0]?.fail(new Error("no path"));
    setup.supersede("second");
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts.map((attempt) => attempt.initiate)).toEqual(["first", "second"]);
    attempts[1]?.open("link-2");
    await expect(connecting).resolves.toBe("link-2");
  });

  it("Cancel aborts the set-up and fails at once, without waiting for a newer initiate", async () => {
    const { attempts, answerOne } = fakeAnswerer();
    const cancel = new AbortController();
    const connecting = new IncomingSetup<string, string>().connect(
      "first",
      answerOne,
      cancel.signal,
    );
    const outcome = connecting.catch((error: Error) => error.message);
    cancel.abort();
    expect(attempts[0]?.signal.aborted).toBe(true);
    attempts[0]?.fail(new Error("cancelled"));
    await vi.advanceTimersByTimeAsync(0);
    await expect(outcome).resolves.toBe("cancelled");
  });
});
