/**
 * DeleteRecords for many partitions: one request per partition leader, in parallel, as Kafka's
 * AdminClient does. Partitions whose leader moved (NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE,
 * a lost connection) are asked again after a metadata refresh until the deadline; deleting is
 * idempotent (a log start already past the offset stays put), so a resend is harmless. Each
 * partition gets its own outcome: its new low watermark or a BrokerError.
 */
import { BrokerError, errors } from '../common/errors.js';
import type { BrokerPool } from './broker-pool.js';
import type { MetadataCache } from './metadata-cache.js';
import { monotonicNowMs, sleep } from './retry.js';
import { partitionKey } from './types.js';
import type { DeleteRecordsPartition } from './wire.js';

export type LowWatermarkOutcome = { lowWatermark: number; error?: undefined } | { lowWatermark?: undefined; error: BrokerError };

export interface DeleteRecordsSettings {
  readonly timeoutMs: number;
  readonly retryBackoffMs: number;
}

export async function deleteRecords(
  pool: BrokerPool,
  metadata: MetadataCache,
  partitions: readonly DeleteRecordsPartition[],
  settings: DeleteRecordsSettings,
): Promise<Map<string, LowWatermarkOutcome>> {
  const deadline = monotonicNowMs() + settings.timeoutMs;
  let outcomes = await askLeaders(pool, metadata, partitions, settings.timeoutMs);
  for (;;) {
    // A topic missing from fresh metadata is final here, though Kafka calls the error retriable.
    const retry = partitions.filter((p) => {
      const error = outcomes.get(partitionKey(p))?.error;
      return error?.retriable === true && error.name !== 'UNKNOWN_TOPIC_OR_PARTITION';
    });
    const remainingMs = deadline - monotonicNowMs();
    if (retry.length === 0 || remainingMs <= settings.retryBackoffMs) return outcomes;
    await sleep(settings.retryBackoffMs);
    await metadata.refresh().catch(() => undefined);
    const again = await askLeaders(pool, metadata, retry, deadline - monotonicNowMs());
    outcomes = new Map([...outcomes, ...again]);
  }
}

async function askLeaders(pool: BrokerPool, metadata: MetadataCache, partitions: readonly DeleteRecordsPartition[], timeoutMs: number): Promise<Map<string, LowWatermarkOutcome>> {
  const outcomes = new Map<string, LowWatermarkOutcome>();
  const byLeader = new Map<string, DeleteRecordsPartition[]>();
  for (const request of partitions) {
    const leader = metadata.leaderOf(request.topic, request.partition);
    if (!leader) {
      const known = metadata.partitionInfo(request.topic, request.partition) !== undefined;
      const error = known ? errors.leaderNotAvailable(`${request.topic}-${request.partition} has no known leader`) : errors.unknownTopicOrPartition(`${request.topic}-${request.partition}`);
      outcomes.set(partitionKey(request), { error });
      continue;
    }
    byLeader.set(leader.address, [...(byLeader.get(leader.address) ?? []), request]);
  }
  await Promise.all(
    [...byLeader].map(async ([address, group]) => {
      try {
        // The broker waits up to timeout_ms for the followers; the call itself gets a little more.
        const response = await pool.connection(address).call('DeleteRecords', { partitions: group, timeout_ms: timeoutMs }, timeoutMs + 1_000);
        for (const r of response.results) {
          outcomes.set(
            partitionKey(r),
            r.error_code === 0
              ? { lowWatermark: Number(r.low_watermark) }
              : { error: BrokerError.fromCode(r.error_code, `DeleteRecords ${r.topic}-${r.partition}: ${r.error_message}`) },
          );
        }
      } catch (e) {
        if (!(e instanceof BrokerError)) throw e;
        for (const request of group) outcomes.set(partitionKey(request), { error: e });
      }
      for (const request of group) {
        if (!outcomes.has(partitionKey(request))) {
          outcomes.set(partitionKey(request), { error: errors.unknownServerError(`DeleteRecords from ${address} left out ${request.topic}-${request.partition}`) });
        }
      }
    }),
  );
  return outcomes;
}
