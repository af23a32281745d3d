/** A small unbounded-in-time, bounded-in-size queue that a loop can await. */
export class AsyncQueue<T> {
  private items: T[] = [];
  private waiter: ((item: T) => void) | undefined;

  constructor(private readonly maxItems = 16) {}

  /** Adds an item; drops it when the queue is full (the peer is misbehaving). */
  push(item: T): void {
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter(item);
    } else if (this.items.length < this.maxItems) {
      this.items.push(item);
    }
  }

  next(): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }
}
