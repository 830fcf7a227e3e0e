/**
 * ListOffsets for many partitions at once: one request per partition leader, asked in parallel.
 * Each partition gets its own outcome, an offset or a BrokerError, so one partition whose leader
 * moved does not fail the others.
 */
import { BrokerError, errors } from '../common/errors.js';
import type { BrokerPool } from './broker-pool.js';
import type { MetadataCache } from './metadata-cache.js';
import { partitionKey } from './types.js';
import type { ListOffsetsPartition } from './wire.js';

export type OffsetOutcome = { offset: number; error?: undefined } | { offset?: undefined; error: BrokerError };

/** `timestamp`: -2 for the log start, -1 for the high watermark (Kafka's special values). */
export async function listOffsets(
  pool: BrokerPool,
  metadata: MetadataCache,
  partitions: readonly ListOffsetsPartition[],
  timeoutMs: number,
): Promise<Map<string, OffsetOutcome>> {
  const outcomes = new Map<string, OffsetOutcome>();
  const byLeader = new Map<string, ListOffsetsPartition[]>();
  for (const request of partitions) {
    const leader = metadata.leaderOf(request.topic, request.partition);
    if (!leader) {
      outcomes.set(partitionKey(request), { error: errors.leaderNotAvailable(`${request.topic}-${request.partition} has no known leader`) });
      continue;
    }
    const group = byLeader.get(leader.address) ?? [];
    group.push(request);
    byLeader.set(leader.address, group);
  }
  await Promise.all(
    [...byLeader].map(async ([address, group]) => {
      try {
        const response = await pool.connection(address).call('ListOffsets', { partitions: group }, timeoutMs);
        for (const result of response.results) {
          outcomes.set(
            partitionKey(result),
            result.error_code === 0
              ? { offset: result.offset }
              : { error: BrokerError.fromCode(result.error_code, `ListOffsets ${result.topic}-${result.partition}: ${result.error_message}`) },
          );
        }
      } catch (e) {
        if (!(e instanceof BrokerError)) throw e;
        for (const request of group) outcomes.set(partitionKey(request), { error: e });
      }
      for (const request of group) {
        if (!outcomes.has(partitionKey(request))) {
          outcomes.set(partitionKey(request), { error: errors.unknownServerError(`ListOffsets from ${address} left out ${request.topic}-${request.partition}`) });
        }
      }
    }),
  );
  return outcomes;
}
