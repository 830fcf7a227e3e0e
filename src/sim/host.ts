/**
 * A place where simulated code runs: one node process (which can crash, restart and pause) or a
 * client (which is always up). Everything that reaches a host — its timers firing, messages and
 * answers arriving — goes through `run`, so a crash silences the old incarnation for good and a
 * pause holds its work until it resumes, as SIGKILL and SIGSTOP would.
 */
import type { Clock, Timer } from '../common/clock.js';
import type { SimLoop } from './sim-loop.js';

/** Wall-clock time at virtual time 0 (record timestamps look real; nothing depends on the value). */
export const SIM_EPOCH_MS = 1_700_000_000_000;

export interface Host {
  readonly id: number;
  /** The current incarnation: work bound to an older one is dropped. */
  incarnation(): number;
  /** Runs `fn` for `incarnation` now, later (paused), or never (crashed since). */
  run(incarnation: number, fn: () => void): void;
}

/** A client process: never crashes, never pauses. */
export class ClientHost implements Host {
  constructor(readonly id: number) {}

  incarnation(): number {
    return 0;
  }

  run(_incarnation: number, fn: () => void): void {
    fn();
  }
}

/** Time as one host's code sees it: timers belong to the incarnation that set them. */
export class HostClock implements Clock {
  constructor(
    private readonly loop: SimLoop,
    private readonly host: Host,
  ) {}

  now(): number {
    return SIM_EPOCH_MS + this.loop.now();
  }

  monotonic(): number {
    return this.loop.now();
  }

  schedule(delayMs: number, fn: () => void): Timer {
    const incarnation = this.host.incarnation();
    let cancelled = false;
    const timer = this.loop.after(delayMs, () => this.host.run(incarnation, () => !cancelled && fn()));
    return {
      cancel: () => {
        cancelled = true;
        timer.cancel();
      },
    };
  }
}
