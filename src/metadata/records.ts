/**
 * The metadata records the active controller appends to the metadata log, one kind per Kafka
 * record type (RegisterBrokerRecord, FenceBrokerRecord, TopicRecord, PartitionChangeRecord, ...).
 * A batch of records is one Raft entry and is applied atomically. Records say *what* changed; the
 * derived numbers (leader and partition epochs) are computed on apply, so every node derives the
 * same values from the same log.
 */
import type { BrokerId, Endpoint } from './types.js';

export interface RegisterBrokerRecord {
  readonly type: 'RegisterBroker';
  readonly brokerId: BrokerId;
  readonly brokerEpoch: number;
  readonly incarnationId: string;
  readonly endpoint: Endpoint;
  readonly kafkaEndpoint?: Endpoint;
}

/** The broker lost its session (or asked to be fenced): it may not lead and is leaving ISRs. */
export interface FenceBrokerRecord {
  readonly type: 'FenceBroker';
  readonly brokerId: BrokerId;
  readonly brokerEpoch: number;
}

/** The broker caught up with the metadata log after registering: it may lead and join ISRs. */
export interface UnfenceBrokerRecord {
  readonly type: 'UnfenceBroker';
  readonly brokerId: BrokerId;
  readonly brokerEpoch: number;
}

/** The broker is shutting down under control: it may no longer lead nor join ISRs. */
export interface BrokerControlledShutdownRecord {
  readonly type: 'BrokerControlledShutdown';
  readonly brokerId: BrokerId;
  readonly brokerEpoch: number;
}

export interface TopicRecord {
  readonly type: 'Topic';
  readonly name: string;
  readonly topicId: string;
  /** Topic-level overrides only; defaults are not stored. */
  readonly configs: Readonly<Record<string, string>>;
}

/** A partition's full state: written at creation and in snapshots. */
export interface PartitionRecord {
  readonly type: 'Partition';
  readonly topicId: string;
  readonly partition: number;
  readonly replicas: readonly BrokerId[];
  readonly isr: readonly BrokerId[];
  readonly leader: BrokerId;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}

/**
 * A change of leader and/or ISR. As in Kafka, a present `leader` field bumps the leader epoch
 * (even when it names the current leader) and every change bumps the partition epoch.
 */
export interface PartitionChangeRecord {
  readonly type: 'PartitionChange';
  readonly topicId: string;
  readonly partition: number;
  readonly leader?: BrokerId;
  readonly isr?: readonly BrokerId[];
}

export interface RemoveTopicRecord {
  readonly type: 'RemoveTopic';
  readonly topicId: string;
}

/** A block of producer ids handed to a broker: ids below `nextProducerId` are taken for good. */
export interface ProducerIdsRecord {
  readonly type: 'ProducerIds';
  /** The broker that received the block; -1 when written by a snapshot. */
  readonly brokerId: BrokerId;
  readonly brokerEpoch: number;
  readonly nextProducerId: number;
}

/** Sets (or, with `value: null`, removes) one topic-level config override. */
export interface ConfigRecord {
  readonly type: 'Config';
  readonly topic: string;
  readonly key: string;
  readonly value: string | null;
}

export type MetadataRecord =
  | RegisterBrokerRecord
  | FenceBrokerRecord
  | UnfenceBrokerRecord
  | BrokerControlledShutdownRecord
  | TopicRecord
  | PartitionRecord
  | PartitionChangeRecord
  | RemoveTopicRecord
  | ProducerIdsRecord
  | ConfigRecord;

export type MetadataRecordType = MetadataRecord['type'];

export const METADATA_RECORD_TYPES: readonly MetadataRecordType[] = [
  'RegisterBroker',
  'FenceBroker',
  'UnfenceBroker',
  'BrokerControlledShutdown',
  'Topic',
  'Partition',
  'PartitionChange',
  'RemoveTopic',
  'ProducerIds',
  'Config',
];
