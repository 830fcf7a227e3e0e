/**
 * Committed offsets: who may commit (Kafka's OffsetCommit checks against the group's state,
 * generation and members), what a commit writes, and what OffsetFetch reads. A committed offset is
 * the next offset to read. Offsets belong to the group id, not to its members, so they outlive
 * every member leaving; only a group deletion (tombstones) removes them.
 */
import { errors, type BrokerError } from '../../common/errors.js';
import type { RecordInput } from '../../log/batch/index.js';
import type { ClassicGroup } from './group.js';
import type { GroupMember } from './member.js';
import { NO_LEADER_EPOCH, offsetCommitRecord } from './offset-records.js';
import type {
  FetchedOffset,
  OffsetCommitRequest,
  OffsetCommitResult,
  OffsetFetchRequest,
  OffsetFetchResult,
} from './types.js';

export const NO_OFFSET = -1;
const NO_METADATA = '';

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  value: CommittedOffset;
}

/** Offsets per group, topic and partition, in commit order (Maps keep insertion order). */
export class OffsetStore {
  private readonly groups = new Map<string, Map<string, Map<number, CommittedOffset>>>();

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(groupId)?.get(topic)?.get(partition);
  }

  set(groupId: string, topic: string, partition: number, value: CommittedOffset): void {
    let topics = this.groups.get(groupId);
    if (!topics) this.groups.set(groupId, (topics = new Map()));
    let partitions = topics.get(topic);
    if (!partitions) topics.set(topic, (partitions = new Map()));
    partitions.set(partition, value);
  }

  delete(groupId: string, topic: string, partition: number): void {
    const topics = this.groups.get(groupId);
    const partitions = topics?.get(topic);
    if (!topics || !partitions) return;
    partitions.delete(partition);
    if (partitions.size === 0) topics.delete(topic);
    if (topics.size === 0) this.groups.delete(groupId);
  }

  deleteGroup(groupId: string): void {
    this.groups.delete(groupId);
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  offsetsOf(groupId: string): TopicPartitionOffset[] {
    const result: TopicPartitionOffset[] = [];
    for (const [topic, partitions] of this.groups.get(groupId) ?? []) {
      for (const [partition, value] of partitions) result.push({ topic, partition, value });
    }
    return result;
  }

  count(): number {
    let n = 0;
    for (const topics of this.groups.values()) for (const partitions of topics.values()) n += partitions.size;
    return n;
  }
}

/**
 * Kafka's OffsetCommit rules. Returns the member to count as alive, or undefined for a "simple"
 * commit (generation -1 into an Empty group, from a consumer that assigns its partitions itself).
 */
export function validateOffsetCommit(group: ClassicGroup, memberId: string, generationId: number): GroupMember | undefined {
  if (group.is('Dead')) throw errors.coordinatorNotAvailable(`group ${group.groupId} is being removed`);
  if (generationId < 0 && group.is('Empty')) return undefined;
  if (group.is('CompletingRebalance')) {
    // The member knows the new generation but not yet its partitions: it must not commit for old ones.
    throw errors.rebalanceInProgress(`group ${group.groupId} is waiting for its assignment`);
  }
  const member = group.members.get(memberId);
  if (!member) throw errors.unknownMemberId(`group ${group.groupId} has no member ${memberId}`);
  if (generationId !== group.generationId) {
    throw errors.illegalGeneration(`commit from generation ${generationId}, group ${group.groupId} is at ${group.generationId}`);
  }
  return member;
}

/** A commit into a group the coordinator does not know: only a simple commit may create it. */
export function checkCommitToUnknownGroup(groupId: string, generationId: number): void {
  if (generationId >= 0) {
    throw errors.illegalGeneration(`group ${groupId} does not exist here; generation ${generationId} is not current`);
  }
}

export interface CommitPlan {
  /** One record per accepted partition, for one batch. */
  records: RecordInput[];
  /** What to apply to the store once the records are durable. */
  accepted: TopicPartitionOffset[];
  /** The response, with per-partition refusals already filled in. */
  result: OffsetCommitResult;
}

/** Turns a validated commit into records, refusing partitions whose metadata is too long. */
export function planCommit(request: OffsetCommitRequest, metadataMaxBytes: number, nowMs: number): CommitPlan {
  const plan: CommitPlan = { records: [], accepted: [], result: { topics: [] } };
  for (const { topic, partitions } of request.topics) {
    const answered: { partition: number; error?: BrokerError }[] = [];
    for (const p of partitions) {
      const metadata = p.metadata ?? NO_METADATA;
      // Kafka compares the string's length (UTF-16 units), not its encoded size.
      if (metadata.length > metadataMaxBytes) {
        answered.push({ partition: p.partition, error: errors.offsetMetadataTooLarge(`${metadata.length} > offset.metadata.max.bytes ${metadataMaxBytes}`) });
        continue;
      }
      if (!Number.isSafeInteger(p.offset)) {
        answered.push({ partition: p.partition, error: errors.invalidRequest(`offset ${p.offset} is not an integer`) });
        continue;
      }
      const value: CommittedOffset = { offset: p.offset, leaderEpoch: p.leaderEpoch ?? NO_LEADER_EPOCH, metadata, commitTimestamp: nowMs };
      plan.records.push({ ...offsetCommitRecord({ group: request.groupId, topic, partition: p.partition }, value), timestamp: nowMs });
      plan.accepted.push({ topic, partition: p.partition, value });
      answered.push({ partition: p.partition });
    }
    plan.result.topics.push({ topic, partitions: answered });
  }
  return plan;
}

/** Every partition of the request answered with the same error. */
export function commitRefused(request: OffsetCommitRequest, error: BrokerError): OffsetCommitResult {
  return { topics: request.topics.map(({ topic, partitions }) => ({ topic, partitions: partitions.map((p) => ({ partition: p.partition, error })) })) };
}

export function fetchOffsets(store: OffsetStore, request: OffsetFetchRequest): OffsetFetchResult {
  if (request.topics === null) {
    const byTopic = new Map<string, FetchedOffset[]>();
    for (const { topic, partition, value } of store.offsetsOf(request.groupId)) {
      const list = byTopic.get(topic) ?? [];
      list.push(fetched(partition, value));
      byTopic.set(topic, list);
    }
    return { topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) };
  }
  return {
    topics: request.topics.map(({ topic, partitions }) => ({
      topic,
      partitions: partitions.map((partition) => fetched(partition, store.get(request.groupId, topic, partition))),
    })),
  };
}

function fetched(partition: number, value: CommittedOffset | undefined): FetchedOffset {
  if (!value) return { partition, offset: NO_OFFSET, leaderEpoch: NO_LEADER_EPOCH, metadata: NO_METADATA };
  return { partition, offset: value.offset, leaderEpoch: value.leaderEpoch, metadata: value.metadata };
}
