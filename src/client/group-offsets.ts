/**
 * Committed offsets of a consumer group: OffsetCommit and OffsetFetch at the group's coordinator.
 * A committed offset is the next offset to read (last processed + 1), as in Kafka. Commits carry
 * the member's generation, so a member the group has moved on from cannot overwrite the offsets
 * of partitions that now belong to someone else: the coordinator refuses it (ILLEGAL_GENERATION,
 * UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS), and the member rejoins.
 */
import { BrokerError, errors } from '../common/errors.js';
import type { CoordinatorLink } from './coordinator-link.js';
import type { PartitionOffset } from './group-wire.js';
import { partitionKey, type TopicPartition } from './types.js';

export interface OffsetToCommit extends TopicPartition {
  /** The next offset to read: last processed + 1. */
  offset: number;
}

/** Who commits: a member's generation, or -1 and '' from outside group management. */
export interface CommitGeneration {
  generationId: number;
  memberId: string;
}

/** OffsetFetch's answer for a partition with no committed offset. */
export const NO_COMMITTED_OFFSET = -1;

export async function commitOffsets(link: CoordinatorLink, generation: CommitGeneration, offsets: readonly OffsetToCommit[], timeoutMs: number): Promise<void> {
  if (offsets.length === 0) return;
  for (const o of offsets) {
    if (!Number.isSafeInteger(o.offset) || o.offset < 0) {
      throw errors.invalidCommitOffsetSize(`offset ${o.offset} for ${o.topic}-${o.partition} is not a non-negative integer`);
    }
  }
  await link.request(
    'OffsetCommit',
    {
      group_id: link.groupId,
      generation_id: generation.generationId,
      member_id: generation.memberId,
      offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: '' })),
    },
    { timeoutMs, check: (response) => throwFirstPartitionError('OffsetCommit', link.groupId, response.offsets) },
  );
}

/** The committed offset of each partition asked for (by `partitionKey`), NO_COMMITTED_OFFSET where there is none. */
export async function fetchCommittedOffsets(link: CoordinatorLink, partitions: readonly TopicPartition[], timeoutMs: number): Promise<Map<string, number>> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  const response = await link.request(
    'OffsetFetch',
    { group_id: link.groupId, topics: [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })) },
    { timeoutMs, check: (r) => throwFirstPartitionError('OffsetFetch', link.groupId, r.offsets) },
  );
  const committed = new Map<string, number>(partitions.map((tp) => [partitionKey(tp), NO_COMMITTED_OFFSET]));
  for (const o of response.offsets) {
    if (committed.has(partitionKey(o))) committed.set(partitionKey(o), o.offset < 0 ? NO_COMMITTED_OFFSET : o.offset);
  }
  return committed;
}

/** Every offset the group has committed, per partition. */
export async function fetchAllCommittedOffsets(link: CoordinatorLink, timeoutMs: number): Promise<OffsetToCommit[]> {
  const response = await link.request('OffsetFetch', { group_id: link.groupId, topics: [] }, { timeoutMs, check: (r) => throwFirstPartitionError('OffsetFetch', link.groupId, r.offsets) });
  return response.offsets.filter((o) => o.offset >= 0).map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }));
}

function throwFirstPartitionError(method: string, groupId: string, offsets: readonly PartitionOffset[]): void {
  const failed = offsets.find((o) => o.error_code !== 0);
  if (!failed) return;
  throw BrokerError.fromCode(
    failed.error_code,
    `${method} for group ${groupId}, ${failed.topic}-${failed.partition}${failed.error_message ? `: ${failed.error_message}` : ''}`,
    { topic: failed.topic, partition: failed.partition, failed: offsets.filter((o) => o.error_code !== 0).length },
  );
}
