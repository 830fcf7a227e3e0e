/**
 * Kafka's DeleteRecords on the partition leader (ReplicaManager.deleteRecords,
 * Partition.deleteRecordsOnLeader): the leader moves its log start offset up to the requested
 * offset, deleting whole segments below it, and the answer's low watermark is the smallest log
 * start among the leader and its live followers. Offset -1 means the high watermark; an offset
 * above the high watermark (or any other negative one) is OFFSET_OUT_OF_RANGE, because records
 * not yet committed must not disappear. An offset at or below the current log start changes
 * nothing and succeeds, as in Kafka.
 */
import { errors, type BrokerError } from '../common/errors.js';
import type { PartitionLog } from '../log/types.js';
import type { BrokerId } from '../metadata/types.js';

/** DeleteRecordsRequest.HIGH_WATERMARK: delete everything below the high watermark. */
export const DELETE_TO_HIGH_WATERMARK = -1;

export interface DeleteRecordsPartition {
  readonly topic: string;
  readonly partition: number;
  /** The new log start offset wanted, or -1 for the high watermark. */
  readonly offset: number;
}

export interface DeleteRecordsRequest {
  readonly partitions: readonly DeleteRecordsPartition[];
  /** How long to wait for every live replica's log start to reach the offset. */
  readonly timeoutMs: number;
  /** Whether a broker is registered and unfenced: only live followers hold the low watermark back. */
  readonly isAlive: (brokerId: BrokerId) => boolean;
}

export interface DeleteRecordsResult {
  readonly topic: string;
  readonly partition: number;
  /** Absent on success. */
  readonly error?: BrokerError;
  /** The partition's low watermark (min log start over live replicas), or -1 when unknown. */
  readonly lowWatermark: number;
}

/**
 * The leader's part: resolves -1 to the high watermark, checks the offset against it and advances
 * the log start. Returns the offset every replica's log start must reach before the answer.
 */
export function deleteRecordsOnLeader(log: PartitionLog, highWatermark: number, offset: number): number | BrokerError {
  const target = offset === DELETE_TO_HIGH_WATERMARK ? highWatermark : offset;
  if (target < 0 || target > highWatermark) {
    return errors.offsetOutOfRange(`cannot delete records before ${offset}: the offset must be in [0, high watermark ${highWatermark}] or -1`);
  }
  if (target > log.logStartOffset()) log.advanceLogStartOffset(target);
  return target;
}

/** A follower's log start as the leader last heard it (UNKNOWN_OFFSET, -1, before its first fetch). */
export interface FollowerLogStart {
  readonly brokerId: BrokerId;
  readonly logStartOffset: number;
}

/**
 * Kafka's Partition.lowWatermarkIfLeader: the leader's log start, lowered by any live follower
 * whose log start (from its latest fetch) is smaller. A dead follower does not hold it back: it
 * will follow the leader's log start when it comes back.
 */
export function lowWatermark(leaderLogStart: number, followers: readonly FollowerLogStart[], isAlive: (brokerId: BrokerId) => boolean): number {
  let low = leaderLogStart;
  for (const f of followers) if (isAlive(f.brokerId) && f.logStartOffset < low) low = f.logStartOffset;
  return low;
}
