/**
 * Time as the cores see it. Real processes use `systemClock`; tests and the simulation use a
 * `ManualClock` that moves only when told to, so timing-dependent logic is deterministic.
 */

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch (wall time; used for record timestamps and retention by age). */
  now(): number;
  /** Monotonic milliseconds (for timeouts and durations). */
  monotonic(): number;
  /** Run `fn` after `delayMs`. */
  schedule(delayMs: number, fn: () => void): Timer;
}

class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
  monotonic(): number {
    return performance.now();
  }
  schedule(delayMs: number, fn: () => void): Timer {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  }
}

export const systemClock: Clock = new SystemClock();

interface Scheduled {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that only moves by `advance`; scheduled callbacks run in time order, ties in schedule order. */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly pending: Scheduled[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  monotonic(): number {
    return this.current;
  }

  schedule(delayMs: number, fn: () => void): Timer {
    const entry: Scheduled = { at: this.current + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.pending.push(entry);
    return { cancel: () => (entry.cancelled = true) };
  }

  /** Move time forward by `ms`, running every callback that falls due, in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.current = next.at;
      next.fn();
    }
    this.current = target;
  }

  /** Number of callbacks still waiting. */
  pendingCount(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }

  private nextDue(limit: number): Scheduled | undefined {
    let best = -1;
    for (let i = 0; i < this.pending.length; i++) {
      const p = this.pending[i]!;
      if (p.cancelled || p.at > limit) continue;
      if (best < 0) best = i;
      else {
        const b = this.pending[best]!;
        if (p.at < b.at || (p.at === b.at && p.seq < b.seq)) best = i;
      }
    }
    if (best < 0) {
      // Drop cancelled entries so the list does not grow without bound.
      for (let i = this.pending.length - 1; i >= 0; i--) if (this.pending[i]!.cancelled) this.pending.splice(i, 1);
      return undefined;
    }
    return this.pending.splice(best, 1)[0];
  }
}
