/**
 * The simulator's only event loop: a binary min-heap of events ordered by virtual time, ties broken
 * by the order they were scheduled, so a run is a pure function of its seed.
 */
import { AssertionFailure } from '../common/errors.js';

interface Scheduled<T> {
  readonly at: number;
  readonly seq: number;
  readonly event: T;
}

export class EventQueue<T> {
  private readonly heap: Scheduled<T>[] = [];
  private seq = 0;
  private nowMs = 0;

  now(): number {
    return this.nowMs;
  }

  size(): number {
    return this.heap.length;
  }

  schedule(at: number, event: T): void {
    if (at < this.nowMs) throw new AssertionFailure(`scheduling into the past (${at} < ${this.nowMs})`);
    this.heap.push({ at, seq: this.seq++, event });
    this.siftUp(this.heap.length - 1);
  }

  /** Removes the earliest event and moves the clock to its time; undefined when empty. */
  pop(): T | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    this.nowMs = top.at;
    return top.event;
  }

  peekTime(): number | undefined {
    return this.heap[0]?.at;
  }

  private before(a: Scheduled<T>, b: Scheduled<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i]!, heap[parent]!)) return;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}
