/**
 * Kafka's client-side partition assignors for the classic group protocol. The group leader (a
 * consumer, not the broker) runs one over every member's subscription and sends the result in
 * SyncGroup. Both follow Kafka's RangeAssignor and RoundRobinAssignor exactly, including their
 * deterministic orders (members by id, topics by name, partitions by number), so a brokerlab
 * leader assigns as a Java leader would for the same members.
 */
import { assert } from '../../common/errors.js';
import { decodeSubscription, encodeAssignment, type TopicPartitions } from './consumer-protocol.js';

// Clients import the assignors and the bytes they exchange from one place.
export * from './consumer-protocol.js';

export interface MemberSubscription {
  memberId: string;
  topics: readonly string[];
}

/** Partition count per topic, from metadata. Topics missing here are not assigned. */
export type PartitionCounts = ReadonlyMap<string, number>;

/** Per member, its partitions grouped by topic: topics sorted, partitions ascending. */
export type GroupAssignment = Map<string, TopicPartitions[]>;

export interface PartitionAssignor {
  /** The JoinGroup protocol name Kafka clients use for it. */
  readonly name: string;
  assign(partitionCounts: PartitionCounts, subscriptions: readonly MemberSubscription[]): GroupAssignment;
}

/**
 * Per topic, the subscribed members in member-id order each take a contiguous range; the first
 * `partitions % members` of them take one extra.
 */
export const rangeAssignor: PartitionAssignor = {
  name: 'range',
  assign(partitionCounts, subscriptions) {
    const owned = emptyAssignment(subscriptions);
    for (const topic of subscribedTopics(subscriptions)) {
      const count = partitionCounts.get(topic);
      if (count === undefined) continue;
      const members = sortedMemberIds(subscriptions.filter((s) => s.topics.includes(topic)));
      const perMember = Math.floor(count / members.length);
      const withExtra = count % members.length;
      members.forEach((memberId, i) => {
        const start = perMember * i + Math.min(i, withExtra);
        const length = perMember + (i < withExtra ? 1 : 0);
        for (let p = start; p < start + length; p++) owned.get(memberId)!.push({ topic, partition: p });
      });
    }
    return grouped(owned);
  },
};

/**
 * All subscribed partitions, sorted by topic then number, dealt one at a time to the members in
 * member-id order, skipping a member not subscribed to the partition's topic.
 */
export const roundRobinAssignor: PartitionAssignor = {
  name: 'roundrobin',
  assign(partitionCounts, subscriptions) {
    const owned = emptyAssignment(subscriptions);
    const members = sortedMemberIds(subscriptions);
    const topicsOf = new Map(subscriptions.map((s) => [s.memberId, new Set(s.topics)]));
    let next = 0;
    for (const topic of subscribedTopics(subscriptions)) {
      const count = partitionCounts.get(topic) ?? 0;
      for (let partition = 0; partition < count; partition++) {
        // Some member subscribes to this topic (it came from a subscription), so this ends.
        while (!topicsOf.get(members[next]!)!.has(topic)) next = (next + 1) % members.length;
        owned.get(members[next]!)!.push({ topic, partition });
        next = (next + 1) % members.length;
      }
    }
    return grouped(owned);
  },
};

export const ASSIGNORS: readonly PartitionAssignor[] = [rangeAssignor, roundRobinAssignor];

/**
 * What a group leader does with JoinGroup's member list: decode each member's subscription, assign
 * with `assignor`, encode each member's assignment for SyncGroup.
 */
export function assignGroup(
  assignor: PartitionAssignor,
  partitionCounts: PartitionCounts,
  members: readonly { memberId: string; metadata: Buffer }[],
): { memberId: string; assignment: Buffer }[] {
  const subscriptions = members.map((m) => ({ memberId: m.memberId, topics: decodeSubscription(m.metadata).topics }));
  const assignment = assignor.assign(partitionCounts, subscriptions);
  return members.map((m) => ({ memberId: m.memberId, assignment: encodeAssignment({ partitions: assignment.get(m.memberId) ?? [] }) }));
}

interface OwnedPartition {
  topic: string;
  partition: number;
}

function emptyAssignment(subscriptions: readonly MemberSubscription[]): Map<string, OwnedPartition[]> {
  const owned = new Map<string, OwnedPartition[]>();
  for (const s of subscriptions) {
    assert(!owned.has(s.memberId), `member ${s.memberId} subscribed twice`);
    owned.set(s.memberId, []);
  }
  return owned;
}

/** Java's String.compareTo and JavaScript's default sort both order by UTF-16 code units. */
function sortedMemberIds(subscriptions: readonly MemberSubscription[]): string[] {
  return subscriptions.map((s) => s.memberId).sort();
}

function subscribedTopics(subscriptions: readonly MemberSubscription[]): string[] {
  return [...new Set(subscriptions.flatMap((s) => s.topics))].sort();
}

function grouped(owned: Map<string, OwnedPartition[]>): GroupAssignment {
  const result: GroupAssignment = new Map();
  for (const [memberId, partitions] of owned) {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions) {
      const list = byTopic.get(topic) ?? [];
      list.push(partition);
      byTopic.set(topic, list);
    }
    const topics = [...byTopic.keys()].sort();
    result.set(
      memberId,
      topics.map((topic) => ({ topic, partitions: byTopic.get(topic)!.sort((a, b) => a - b) })),
    );
  }
  return result;
}
