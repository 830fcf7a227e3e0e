/**
 * The shapes a caller of the client sees: messages to send, what a send resolves to, records a
 * consumer returns, and what admin calls describe. Keys, values and header values accept strings
 * for convenience and always come back as Buffers.
 */
import type { RecordHeader } from '../log/batch/index.js';

export type { RecordHeader };

/** 0: no answer awaited; 1: the leader appended; -1 or 'all': every in-sync replica has it. */
export type Acks = 0 | 1 | -1 | 'all';

export type Bytes = Buffer | string;

export interface ProducerMessage {
  key?: Bytes | null;
  value: Bytes | null;
  /** As an object (one value per key) or as a list (repeated keys allowed, order kept). */
  headers?: Record<string, Bytes | null> | Array<{ key: string; value: Bytes | null }>;
  /** Overrides the partitioner. */
  partition?: number;
  /** Milliseconds since the epoch; the producer's clock by default. */
  timestamp?: number;
}

export interface SendRequest {
  topic: string;
  messages: ProducerMessage[];
  /** Defaults to the producer's `acks` ('all' unless configured). */
  acks?: Acks;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The record's offset in the partition; -1 with acks=0, where the broker does not answer. */
  offset: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A map key for a topic-partition (NUL cannot appear in a topic name). */
export function partitionKey(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

export type OffsetSpec = number | 'earliest' | 'latest';

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  timestamp: number;
}

export interface TopicToCreate {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Topic configs by Kafka name, e.g. `{ 'min.insync.replicas': '2' }`. */
  configs?: Record<string, string>;
}

export interface CreatedTopic {
  name: string;
  topicId: string;
}

export interface PartitionDescription {
  partition: number;
  /** -1 when the partition has no leader. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

export interface TopicDescription {
  name: string;
  topicId: string;
  partitions: PartitionDescription[];
  configs: Record<string, string>;
}

export interface BrokerDescription {
  id: number;
  host: string;
  port: number;
  fenced: boolean;
}

export interface ClusterDescription {
  brokers: BrokerDescription[];
  /** -1 when no controller is known. */
  controllerId: number;
}

export interface ConsumerGroupListing {
  groupId: string;
  /** 'consumer' for Kafka-style consumer groups. */
  protocolType: string;
  /** Empty, PreparingRebalance, CompletingRebalance, Stable or Dead. */
  state: string;
}

export interface ConsumerGroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
  /** Topics of the member's subscription (consumer groups only; empty unless the group is Stable). */
  subscription: string[];
  /** The member's partitions (consumer groups only; empty unless the group is Stable). */
  assignment: TopicPartition[];
}

export interface ConsumerGroupDescription extends ConsumerGroupListing {
  /** The assignor the group chose ('' unless Stable). */
  protocol: string;
  generationId: number;
  members: ConsumerGroupMember[];
}

export interface GroupPartitionOffset extends TopicPartition {
  /** The group's committed offset: the next offset it will read. */
  committedOffset: number;
  /** The partition's high watermark; -1 if it could not be read. */
  logEndOffset: number;
  /** Records not yet consumed by the group: logEndOffset - committedOffset (never below 0); -1 if unknown. */
  lag: number;
}
