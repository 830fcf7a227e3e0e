/** Bounded waiting for scenarios: every wait ends, and says what it waited for when it times out. */
import { setTimeout as sleepFor } from 'node:timers/promises';

export function sleep(ms: number): Promise<void> {
  return sleepFor(ms).then(() => undefined);
}

/** Calls `probe` every `intervalMs` until it returns something other than undefined, or throws after `timeoutMs`. */
export async function waitUntil<T>(probe: () => Promise<T | undefined> | T | undefined, description: string, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await sleep(intervalMs);
  }
}

/** Resolves with `promise`'s outcome, or with `fallback` once `timeoutMs` has passed. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), timeoutMs)));
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
