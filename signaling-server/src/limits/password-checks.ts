/**
 * Every scrypt run goes through here. Checks are counted per IP and per room
 * and run at most a few at a time, so password joins cannot crowd the thread
 * pool that static files and the store share. A room under attack (too many
 * wrong passwords or checks) refuses only the addresses that already guessed
 * wrong in it: a stranger cannot lock the holder of the password out.
 */
import type { Clock } from "../clock.js";
import { WindowCounter } from "./rate-limiter.js";
import type { ServerLimits } from "./server-limits.js";

const MINUTE_MS = 60_000;

/** Returned by `run` when too many checks already wait. */
export const BUSY = Symbol("busy");

export class PasswordChecks {
  private readonly checksByIp: WindowCounter;
  private readonly checksByRoom: WindowCounter;
  private readonly wrongByRoom: WindowCounter;
  /** Whether an address guessed wrong in a room; keyed "room ip". */
  private readonly wrongHere: WindowCounter;
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    clock: Clock,
    private readonly limits: ServerLimits,
  ) {
    this.checksByIp = new WindowCounter(clock, limits.passwordChecksPerIpPerMinute, MINUTE_MS);
    this.checksByRoom = new WindowCounter(clock, limits.passwordChecksPerRoomPerMinute, MINUTE_MS);
    const window = limits.failedConnectWindowMs;
    this.wrongByRoom = new WindowCounter(clock, limits.failedConnectsPerRoom, window);
    this.wrongHere = new WindowCounter(clock, 1, window);
  }

  /** Counts a check by `ip` in `room`; false when it must be refused. */
  admit(room: string, ip: string): boolean {
    if (!this.checksByIp.tryTake(ip)) return false;
    const underAttack = this.wrongByRoom.isOver(room) || this.checksByRoom.isOver(room);
    this.checksByRoom.hit(room);
    return !(underAttack && this.wrongHere.isOver(`${room} ${ip}`));
  }

  wrong(room: string, ip: string): void {
    this.wrongByRoom.hit(room);
    this.wrongHere.hit(`${room} ${ip}`);
  }

  /** Runs `task` once a slot is free, or answers BUSY when the queue is full. */
  async run<T>(task: () => Promise<T>): Promise<T | typeof BUSY> {
    if (this.running >= this.limits.maxConcurrentPasswordChecks) {
      if (this.waiting.length >= this.limits.maxQueuedPasswordChecks) return BUSY;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `running` stays put.
      if (next) next();
      else this.running -= 1;
    }
  }
}
