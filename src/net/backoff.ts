/** Capped exponential backoff with jitter for reconnect loops: never retries hot, never waits long. */
import type { Random } from '../common/random.js';
import { systemRandom } from '../common/random.js';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: Random = systemRandom,
  ) {}

  /** The delay before the next attempt: doubles each time up to `maxMs`, jittered down by up to 20%. */
  next(): number {
    const base = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(base * (0.8 + 0.2 * this.random.next()));
  }

  reset(): void {
    this.attempt = 0;
  }
}
