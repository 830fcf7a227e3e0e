/**
 * Requests and responses of the active controller. Every operation yields the records to propose
 * as one atomic batch and the response to send once that batch commits.
 */
import type { ControllerEvent } from './controller-events.js';
import type { BrokerError } from '../common/errors.js';
import type { BrokerId, Endpoint, PartitionRegistration } from '../metadata/types.js';
import type { MetadataRecord } from '../metadata/records.js';

export interface ControllerResult<T> {
  /** Propose these as one Raft entry; empty means nothing to write (answer at once). */
  readonly records: readonly MetadataRecord[];
  readonly response: T;
  /** What the records stand for, to log once they commit (controller-events.ts). */
  readonly events?: readonly ControllerEvent[];
}

export interface RegisterBrokerRequest {
  readonly brokerId: BrokerId;
  /** Unique per process start: a new incarnation means a restarted broker. */
  readonly incarnationId: string;
  /** gRPC: replication and the native client. */
  readonly endpoint: Endpoint;
  /** The advertised Kafka listener; absent when the broker runs none (Metadata responses then omit it). */
  readonly kafkaEndpoint?: Endpoint;
}

export interface RegisterBrokerResponse {
  readonly brokerEpoch: number;
}

export interface BrokerHeartbeatRequest {
  readonly brokerId: BrokerId;
  readonly brokerEpoch: number;
  /** Raft index of the last metadata entry the broker has applied. */
  readonly currentMetadataOffset: number;
  /** The broker asks to stay (or become) fenced, e.g. while it recovers its logs. */
  readonly wantFence?: boolean;
  /** The broker wants to stop: move its leaderships away first (controlled shutdown). */
  readonly wantShutdown?: boolean;
}

export interface BrokerHeartbeatResponse {
  readonly isFenced: boolean;
  /** The broker has applied the metadata log up to its own registration. */
  readonly isCaughtUp: boolean;
  readonly inControlledShutdown: boolean;
  /** The broker leads nothing any more (or is fenced) and may exit now. */
  readonly shouldShutdown: boolean;
}

export interface CreateTopicRequest {
  readonly name: string;
  /** -1 or absent: the default (1). Must match `assignments` when both are given. */
  readonly numPartitions?: number;
  /** -1 or absent: the default (1). Must match `assignments` when both are given. */
  readonly replicationFactor?: number;
  readonly configs?: Readonly<Record<string, string>>;
  /** Manual placement: replicas per partition, partition i at index i. */
  readonly assignments?: readonly (readonly BrokerId[])[];
}

export interface CreateTopicResult {
  readonly name: string;
  /** Set when the topic is created. */
  readonly topicId?: string;
  readonly numPartitions?: number;
  readonly replicationFactor?: number;
  readonly configs?: Readonly<Record<string, string>>;
  /** Set when this topic was refused; other topics of the request are unaffected. */
  readonly error?: BrokerError;
}

/** CreatePartitions for one topic: grow it to `count` partitions. */
export interface NewPartitionsRequest {
  readonly name: string;
  /** The new total number of partitions; must be larger than the current one. */
  readonly count: number;
  /**
   * Manual placement of the new partitions only: replicas per new partition, the first new
   * partition (index `currentCount`) at index 0. Absent: the controller continues the topic's
   * striping. Present, it must name exactly `count - currentCount` partitions.
   */
  readonly assignments?: readonly (readonly BrokerId[])[];
}

export interface NewPartitionsResult {
  readonly name: string;
  /** Set when this topic was refused; other topics of the request are unaffected. */
  readonly error?: BrokerError;
}

export type DeleteTopicTarget = { readonly name: string } | { readonly topicId: string };

export interface DeleteTopicResult {
  readonly name?: string;
  readonly topicId?: string;
  readonly error?: BrokerError;
}

export interface AllocateProducerIdsRequest {
  readonly brokerId: BrokerId;
  readonly brokerEpoch: number;
}

export interface ProducerIdBlock {
  readonly producerIdStart: number;
  readonly producerIdLen: number;
}

export interface TickReport {
  /** Brokers fenced by this tick because their session expired. */
  readonly fencedBrokers: readonly BrokerId[];
  /** Partitions whose leader this tick changed (failover, unclean or preferred election). */
  readonly leaderChanges: readonly PartitionRegistration[];
}
