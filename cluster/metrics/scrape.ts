/** Fetches and parses one node's `/metrics`, bounded in time. */
import { parseExposition, type Exposition } from './exposition.js';

export const SCRAPE_TIMEOUT_MS = 3_000;

export async function scrapeMetrics(address: string, timeoutMs = SCRAPE_TIMEOUT_MS): Promise<Exposition> {
  let response: Response;
  try {
    response = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout) is its cause.
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`GET http://${address}/metrics failed: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  const body = await response.text();
  if (!response.ok) throw new Error(`GET http://${address}/metrics answered ${response.status}`);
  return parseExposition(body);
}
