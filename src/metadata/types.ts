/**
 * Shapes shared by the metadata image, the controller and the brokers. The controller writes
 * records that produce these; brokers read them from their image to decide their replica roles.
 */

export type BrokerId = number;
/** No leader: the partition is offline until an eligible replica returns. */
export const NO_LEADER = -1;

export interface PartitionRegistration {
  readonly topicId: string;
  readonly topic: string;
  readonly partition: number;
  /** Assignment order; the first is the preferred leader. */
  readonly replicas: readonly BrokerId[];
  readonly isr: readonly BrokerId[];
  readonly leader: BrokerId;
  /** Bumped at every leader change. */
  readonly leaderEpoch: number;
  /** Bumped at every change of this record (leader or ISR). Guards AlterPartition. */
  readonly partitionEpoch: number;
}

/** A partition leader's request to change the ISR (KIP-497), checked against the current record. */
export interface AlterPartitionRequest {
  readonly brokerId: BrokerId;
  readonly brokerEpoch: number;
  readonly topicId: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly newIsr: readonly BrokerId[];
  /**
   * The same ISR with each member's broker epoch as the leader last saw it fetch (Kafka's
   * NewIsrWithEpochs, KIP-903): the leader's own epoch for itself, -1 when unknown (a member not
   * heard from under this leader epoch). The controller refuses a member whose epoch is not its
   * current registration's, so fetch state from before a restart never adds the new incarnation.
   * Absent from older senders: every epoch unknown.
   */
  readonly newIsrWithEpochs?: readonly IsrMemberEpoch[];
}

export interface IsrMemberEpoch {
  readonly brokerId: BrokerId;
  /** -1: unknown, not checked. */
  readonly brokerEpoch: number;
}

/** A broker epoch the sender does not know (Kafka's -1). */
export const UNKNOWN_BROKER_EPOCH = -1;

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface BrokerRegistration {
  readonly brokerId: BrokerId;
  /** A new epoch at every registration (each process start). */
  readonly brokerEpoch: number;
  /** Incarnation id: unique per process start, so a restarted broker is told apart from its old self. */
  readonly incarnationId: string;
  /** gRPC endpoint for replication and the native client. */
  readonly endpoint: Endpoint;
  /** Kafka wire-protocol endpoint, when the broker runs one. */
  readonly kafkaEndpoint?: Endpoint;
  readonly fenced: boolean;
  /** Set while the broker is shutting down under control: it leads nothing and is leaving ISRs. */
  readonly inControlledShutdown: boolean;
}
