/**
 * Backoff and bounded retry for the client's requests. Delays grow exponentially with ±20% jitter
 * (Kafka's retry.backoff.ms / retry.backoff.max.ms, KIP-580) so clients that failed together do not
 * retry together; every loop stops at a deadline or an attempt limit, whichever comes first.
 */
import { BrokerError } from '../common/errors.js';

export interface BackoffOptions {
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
}

const JITTER_FRACTION = 0.2;

/** Delay before retry number `attempt` (1 for the first retry). */
export function backoffDelayMs(attempt: number, options: BackoffOptions): number {
  const exponential = options.retryBackoffMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(options.retryBackoffMaxMs, exponential);
  const jitter = 1 - JITTER_FRACTION + Math.random() * 2 * JITTER_FRACTION;
  return Math.max(0, Math.round(capped * jitter));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function monotonicNowMs(): number {
  return performance.now();
}

export interface RetryOptions extends BackoffOptions {
  /** Give up once this much time has passed since the first attempt. */
  timeoutMs: number;
  /** Give up after this many attempts in total. */
  maxAttempts: number;
  /** Called before each retry with the error that caused it (e.g. to refresh metadata). */
  onRetriableError?: (error: BrokerError) => void;
}

/**
 * Runs `operation` until it succeeds, fails with a non-retriable error, or the budget is spent; the
 * error then is the last one seen. `operation` receives the time left so it can bound its request.
 */
export async function withRetries<T>(operation: (remainingMs: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const deadlineMs = monotonicNowMs() + options.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const remainingMs = deadlineMs - monotonicNowMs();
    try {
      return await operation(Math.max(1, remainingMs));
    } catch (error) {
      // Anything but a BrokerError is a bug, not a request failure: never retry it.
      if (!(error instanceof BrokerError) || !error.retriable || attempt >= options.maxAttempts) throw error;
      const delayMs = backoffDelayMs(attempt, options);
      if (monotonicNowMs() + delayMs >= deadlineMs) throw error;
      options.onRetriableError?.(error);
      await sleep(delayMs);
    }
  }
}
