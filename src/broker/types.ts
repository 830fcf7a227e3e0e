/**
 * Shapes shared by the replica cores of one broker: acknowledgement levels, produce results, the
 * partition roles and the status snapshot the status view renders.
 */
import type { BrokerError } from '../common/errors.js';
import type { BrokerId } from '../metadata/types.js';

/** Kafka's `acks`: 0 = no answer awaited, 1 = leader appended, -1 (all) = the ISR has it. */
export const ACKS_NONE = 0;
export const ACKS_LEADER = 1;
export const ACKS_ALL = -1;
export type Acks = typeof ACKS_NONE | typeof ACKS_LEADER | typeof ACKS_ALL;

export function isValidAcks(acks: number): acks is Acks {
  return acks === ACKS_NONE || acks === ACKS_LEADER || acks === ACKS_ALL;
}

/** Offset meaning "not known yet" (a follower that has not fetched since this leader took over). */
export const UNKNOWN_OFFSET = -1;
/** Leader epoch meaning "not given": the request is not checked against the current epoch. */
export const NO_LEADER_EPOCH = -1;

/** The answer to one partition of a produce request. */
export interface ProduceResult {
  /** Absent on success. */
  readonly error?: BrokerError;
  /** Offset of the first record appended, or -1 when nothing is known to be appended. */
  readonly baseOffset: number;
  /** Offset of the last record appended, or -1. */
  readonly lastOffset: number;
  readonly logStartOffset: number;
}

export type PartitionRole = 'leader' | 'follower' | 'none';

/** The leader's view of one follower, as shown by `status`. */
export interface FollowerStatus {
  readonly brokerId: BrokerId;
  /** -1 until the follower fetches from this leader. */
  readonly logEndOffset: number;
  /** Records behind the leader's log end offset (the leader's LEO when the follower's is unknown). */
  readonly lagRecords: number;
  readonly inIsr: boolean;
  /** Time since the follower last reached the leader's log end offset; null if never. */
  readonly caughtUpAgoMs: number | null;
}

export interface PartitionStatus {
  readonly topicId: string;
  readonly topic: string;
  readonly partition: number;
  readonly role: PartitionRole;
  readonly leader: BrokerId;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly replicas: readonly BrokerId[];
  /** The committed ISR. */
  readonly isr: readonly BrokerId[];
  /** The ISR proposed to the controller and not yet answered, if any. */
  readonly pendingIsr?: readonly BrokerId[];
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Filled on the leader only. */
  readonly followers: readonly FollowerStatus[];
}

/** `topicId:partition`: the key replication uses. */
export function partitionKey(topicId: string, partition: number): string {
  return `${topicId}:${partition}`;
}
