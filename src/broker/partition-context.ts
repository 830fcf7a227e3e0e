/** What a partition needs from the broker hosting it: identity, time, logging, settings, and who to tell. */
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import type { AlterPartitionRequest, BrokerId } from '../metadata/types.js';
import type { Partition } from './partition.js';

/** What a partition reports to whoever hosts it. */
export interface PartitionListener {
  /** The leader's log end offset moved: follower long polls may answer. */
  logEndOffsetChanged(partition: Partition): void;
  /** The leader's high watermark moved: consumer long polls may answer. */
  highWatermarkChanged(partition: Partition): void;
  /** An AlterPartition request is ready for the controller. */
  isrChangeProposed(partition: Partition, request: AlterPartitionRequest): void;
  /** Became leader, follower, or stopped: waiting fetches answer with the new state. */
  roleChanged(partition: Partition): void;
}

export interface PartitionContext {
  readonly brokerId: BrokerId;
  readonly brokerEpoch: () => number;
  readonly clock: Clock;
  /** Already carries `{topic, partition}`. */
  readonly logger: Logger;
  readonly replicaLagTimeMaxMs: number;
  /** Read at each acks=all produce, so a topic config change applies at once. */
  readonly minInsyncReplicas: () => number;
  readonly maxWaitingProduces: number;
  /** A deliberately broken leader (tests of the checkers only): acks=all answered before replication. */
  readonly acknowledgeBeforeReplication?: boolean;
  /** How long a follower waits before fetching a partition again after an error. */
  readonly fetchErrorBackoffMs: number;
  readonly listener?: Partial<PartitionListener>;
}
