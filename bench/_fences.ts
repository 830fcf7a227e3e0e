/**
 * Brokers the controller fenced because their session expired, read from the node logs: the
 * figure behind "no healthy broker ever fenced under load". A killed broker is expected to be
 * fenced (by its process watch or, failing that, its session); the caller leaves it out.
 */
import { readFileSync } from 'node:fs';

export interface SessionFence {
  broker: number;
  brokerEpoch: number;
  /** Wall-clock ms of the controller's log line. */
  atMs: number;
}

/** Every session-expiry fence logged in `logFiles` at or after `sinceMs` (wall clock). */
export function sessionFences(logFiles: readonly string[], sinceMs = 0): SessionFence[] {
  const fences: SessionFence[] = [];
  for (const file of logFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // A node that never started has no log.
    }
    for (const line of text.split('\n')) {
      if (!line.includes('"broker-fenced"') || !line.includes('session expired')) continue;
      try {
        const entry = JSON.parse(line) as { event?: string; reason?: string; broker?: number; brokerEpoch?: number; time?: number };
        if (entry.event !== 'broker-fenced' || entry.reason !== 'session expired' || (entry.time ?? 0) < sinceMs) continue;
        fences.push({ broker: entry.broker ?? -1, brokerEpoch: entry.brokerEpoch ?? -1, atMs: entry.time ?? 0 });
      } catch {
        // A line cut short while the node writes it.
      }
    }
  }
  return fences;
}
