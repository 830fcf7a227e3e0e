/**
 * Brokers the controller fenced because their session expired, from the cluster's event records
 * (`readEvents`, as `brokerlab events` reads them): the figure behind "no healthy broker ever
 * fenced under load". A killed broker is expected to be fenced (by its process watch or, failing
 * that, its session); the caller leaves it out.
 */
import { readEvents } from '../cluster/events.js';

export interface SessionFence {
  broker: number;
  brokerEpoch: number;
  atMs: number;
}

/** Every session-expiry fence in the run directory's node logs at or after `sinceMs` (wall clock). */
export function sessionFences(runDir: string, sinceMs = 0): SessionFence[] {
  return readEvents(runDir, { sinceMs })
    .filter((e) => e.kind === 'broker-fenced' && e.fields['reason'] === 'session expired')
    .map((e) => ({ broker: Number(e.fields['broker']), brokerEpoch: Number(e.fields['brokerEpoch']), atMs: e.atMs }));
}
