/**
 * The only event loop of both simulations (Raft alone and whole clusters). Timed callbacks run in
 * virtual-time order (ties in the order they were scheduled); after each one the loop lets every
 * promise continuation it caused run to completion before the next event, because the node code
 * awaits promises internally (the RaftDriver's storage writes, proposals, controller calls).
 * Nothing else in the process schedules macrotasks, so the order is fixed by the code: a run is a
 * pure function of its seed.
 *
 * Draining (the Raft simulation, `drain: 'promise-jobs'`): instead of one `setImmediate` turn per
 * event (a trip through libuv's poll phase each time, most of the loop's cost), the loop yields one
 * microtask at a time (`await undefined`) and counts, with V8 promise hooks, the promise jobs that
 * ran meanwhile. A yield during which only drain yields ran (its own, or another loop's) found the
 * microtask queue empty, so every continuation the event caused has run: the same state the
 * `setImmediate` turn leaves, so runs replay exactly as before. An event that neither created nor
 * settled a promise queued no job, and the loop goes straight on. A real macrotask turn still
 * happens every EVENTS_PER_MACROTASK events and at the end (so Node reports an unhandled rejection,
 * which stops the run).
 */
import { promiseHooks } from 'node:v8';
import { EventQueue } from './event-queue.js';

export interface LoopTimer {
  cancel(): void;
}

interface LoopEvent {
  readonly fn: () => void;
  cancelled: boolean;
}

/** Lets every queued promise continuation run, through one macrotask turn (see the file comment). */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Events between two macrotask turns (for Node's unhandled-rejection reports). */
const EVENTS_PER_MACROTASK = 1024;
/** Microtask yields after one event before falling back to a macrotask turn (a livelock guard). */
const MAX_YIELDS_PER_EVENT = 10_000;

/** Promise jobs run while a loop drains (counted by V8 hooks installed only meanwhile). */
let promiseJobs = 0;
/** Of those, the drain yields' own resumptions. */
let drainJobs = 0;
/** Promises created or settled: when an event changes neither count, it queued no promise job. */
let promiseActivity = 0;
let runningLoops = 0;
let stopHooks: (() => void) | undefined;

function acquireHooks(): void {
  if (runningLoops++ > 0) return;
  stopHooks = promiseHooks.createHook({
    init: () => {
      promiseActivity++;
    },
    settled: () => {
      promiseActivity++;
    },
    before: () => {
      promiseJobs++;
    },
  }) as () => void;
}

function releaseHooks(): void {
  if (--runningLoops > 0) return;
  stopHooks?.();
  stopHooks = undefined;
}

export interface SimLoopOptions {
  /**
   * How the loop lets an event's continuations run: `macrotask` (the default) takes one
   * `setImmediate` turn per event, which also runs `process.nextTick` callbacks and stream work
   * (the whole-cluster simulation needs that); `promise-jobs` yields microtasks until no promise
   * job is left (see the file comment), for code whose only asynchrony is promises (the Raft
   * simulation). Both leave the same state after each event for such code.
   */
  readonly drain?: 'macrotask' | 'promise-jobs';
}

export class SimLoop {
  private readonly queue = new EventQueue<LoopEvent>();
  private readonly promiseJobsOnly: boolean;
  private failure: unknown;
  /** Events run so far (cancelled ones are not counted). */
  events = 0;

  constructor(options: SimLoopOptions = {}) {
    this.promiseJobsOnly = options.drain === 'promise-jobs';
  }

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
    if (!this.promiseJobsOnly) {
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
      return;
    }
    acquireHooks();
    try {
      let sinceMacrotask = 0;
      while (!reachedEnd) {
        const event = this.queue.pop();
        if (event === undefined) break;
        if (event.cancelled) continue;
        this.events++;
        const activity = promiseActivity;
        event.fn();
        if (++sinceMacrotask === EVENTS_PER_MACROTASK) {
          sinceMacrotask = 0;
          await drainMicrotasks();
        } else if (promiseActivity !== activity) {
          // The event queued promise jobs (it created or settled a promise): let them all run.
          // A yield during which only drain yields ran found the microtask queue empty.
          for (let yields = 0; ; yields++) {
            if (yields === MAX_YIELDS_PER_EVENT) {
              await drainMicrotasks();
              break;
            }
            const jobs = promiseJobs;
            const drains = drainJobs;
            await undefined;
            drainJobs++;
            if (promiseJobs - jobs === drainJobs - drains) break;
          }
        }
        if (this.failure !== undefined) throw this.failure;
        if (stop?.()) break;
      }
    } finally {
      releaseHooks();
    }
    // Lets Node report a rejection nobody handled during the last events.
    await drainMicrotasks();
    if (this.failure !== undefined) throw this.failure;
  }
}
