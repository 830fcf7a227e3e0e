/**
 * The only event loop of both simulations (Raft alone and whole clusters). Timed callbacks run in
 * virtual-time order (ties in the order they were scheduled); after each one the loop lets every
 * promise continuation it caused run to completion before the next event, because the node code
 * awaits promises internally (the RaftDriver's storage writes, proposals, controller calls). Nothing else in the process schedules macrotasks,
 * so one `setImmediate` turn drains them all, in an order fixed by the code: a run is a pure
 * function of its seed.
 */
import { EventQueue } from './event-queue.js';

export interface LoopTimer {
  cancel(): void;
}

interface LoopEvent {
  readonly fn: () => void;
  cancelled: boolean;
}

/** Lets every queued promise continuation run (see the file comment). */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class SimLoop {
  private readonly queue = new EventQueue<LoopEvent>();
  private failure: unknown;
  /** Events run so far (cancelled ones are not counted). */
  events = 0;

  now(): number {
    return this.queue.now();
  }

  at(timeMs: number, fn: () => void): LoopTimer {
    const event: LoopEvent = { fn, cancelled: false };
    this.queue.schedule(Math.max(timeMs, this.now()), event);
    return { cancel: () => (event.cancelled = true) };
  }

  after(delayMs: number, fn: () => void): LoopTimer {
    return this.at(this.now() + Math.max(0, delayMs), fn);
  }

  /** Records an error raised outside an event (a rejected promise nobody handled); the run stops with it. */
  fail(error: unknown): void {
    this.failure ??= error;
  }

  /**
   * Runs events until virtual time passes `endMs` (the clock then reads `endMs`) or `stop()` holds
   * after an event. Throws the first error an event raised.
   */
  async runUntil(endMs: number, stop?: () => boolean): Promise<void> {
    let reachedEnd = false;
    this.at(endMs, () => (reachedEnd = true));
    // Work started before the loop runs (a node starting up) schedules its first events here.
    await drainMicrotasks();
    while (!reachedEnd) {
      const event = this.queue.pop();
      if (event === undefined) break;
      if (event.cancelled) continue;
      this.events++;
      event.fn();
      await drainMicrotasks();
      if (this.failure !== undefined) throw this.failure;
      if (stop?.()) return;
    }
  }
}
