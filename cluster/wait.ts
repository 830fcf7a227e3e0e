/** Bounded polling: every wait in the supervisor ends, with an error that says what it waited for. */

export class WaitTimeoutError extends Error {
  constructor(
    readonly description: string,
    readonly timeoutMs: number,
    readonly lastProblem?: string,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${description}${lastProblem ? `: ${lastProblem}` : ''}`);
    this.name = 'WaitTimeoutError';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Named in the timeout error: "a leader for orders-0". */
  description: string;
}

/**
 * Calls `probe` until it returns a value (not undefined) or the time is up. A probe may return
 * `{ problem }` to say why it is not satisfied yet; the last problem goes into the timeout error.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | { problem: string } | undefined>,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let lastProblem: string | undefined;
  for (;;) {
    const result = await probe();
    if (result !== undefined && !isProblem(result)) return result as T;
    if (result !== undefined) lastProblem = (result as { problem: string }).problem;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new WaitTimeoutError(options.description, options.timeoutMs, lastProblem);
    await sleep(Math.min(interval, remaining));
  }
}

function isProblem(value: unknown): value is { problem: string } {
  return typeof value === 'object' && value !== null && 'problem' in value && Object.keys(value).length === 1;
}
