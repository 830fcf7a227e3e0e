/**
 * A FIFO with a fixed capacity that never blocks its producer: when full, the oldest item is
 * dropped to make room, because for Raft (and other best-effort traffic) the newest message
 * supersedes older ones. Drops are counted so they show up in stats.
 */
import { assert } from '../common/errors.js';

export class BoundedQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private droppedCount = 0;

  constructor(readonly capacity: number) {
    assert(Number.isInteger(capacity) && capacity > 0, `queue capacity must be a positive integer, got ${capacity}`);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Items dropped so far because the queue was full (or cleared). */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Adds an item, dropping the oldest one if full. Returns true if something was dropped. */
  push(item: T): boolean {
    let dropped = false;
    if (this.length >= this.capacity) {
      this.items[this.head++] = undefined;
      this.droppedCount++;
      dropped = true;
    }
    this.items.push(item);
    this.compact();
    return dropped;
  }

  /** Removes and returns up to `max` of the oldest items. */
  take(max: number): T[] {
    const count = Math.min(max, this.length);
    const out = this.items.slice(this.head, this.head + count) as T[];
    for (let i = 0; i < count; i++) this.items[this.head + i] = undefined;
    this.head += count;
    this.compact();
    return out;
  }

  /** Empties the queue, counting what it held as dropped. */
  clear(): number {
    const count = this.length;
    this.droppedCount += count;
    this.items = [];
    this.head = 0;
    return count;
  }

  /** Reclaims the consumed prefix once it is at least half the array, keeping push and take O(1) amortized. */
  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
