/**
 * Writes a value that only matters in its latest version (such as Raft's hard state): while one
 * write runs, further values wait, and only the newest of them is written next. Every caller's
 * promise resolves once a value at least as new as its own is durable.
 */
import { deferred, type Deferred } from './deferred.js';

export class CoalescingWriter<T> {
  private pending: { value: T; waiters: Deferred[] } | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly persist: (value: T) => Promise<void>) {}

  write(value: T): Promise<void> {
    const waiter = deferred();
    if (this.pending) this.pending.value = value;
    else this.pending = { value, waiters: [] };
    this.pending.waiters.push(waiter);
    this.running ??= this.drain();
    return waiter.promise;
  }

  /** Resolves when no write is running or waiting. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const { value, waiters } = this.pending;
      this.pending = undefined;
      try {
        await this.persist(value);
        for (const w of waiters) w.resolve();
      } catch (e) {
        for (const w of waiters) w.reject(e);
      }
    }
    this.running = undefined;
  }
}
