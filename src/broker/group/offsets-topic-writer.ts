/**
 * How the coordinator gets records into `__consumer_offsets` without writing anything itself: it
 * hands the broker an append (one batch for one partition it leads) and the broker reports the
 * outcome. The broker appends through the normal replicated produce path with acks=all, so a
 * commit is answered only once every in-sync replica has it and survives the coordinator's
 * broker dying.
 *
 * Contract for the writer: append the records of each call as one batch, in call order per
 * partition; call `complete` exactly once: with no argument once the high watermark has passed
 * the batch, or with the BrokerError the produce failed with (NOT_ENOUGH_REPLICAS,
 * NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT after its own bounded wait, ...). It may call
 * `complete` before returning.
 */
import { errors, type BrokerError, type KafkaErrorName } from '../../common/errors.js';
import type { RecordInput } from '../../log/batch/index.js';

export interface OffsetsTopicAppend {
  /** The `__consumer_offsets` partition: the one holding the groups concerned. */
  readonly partition: number;
  /** Keys and values in Kafka's schemas (see offset-records.ts); a null value is a tombstone. */
  readonly records: readonly RecordInput[];
  complete(error?: BrokerError): void;
}

export type OffsetsTopicWriter = (append: OffsetsTopicAppend) => void;

/**
 * Replication errors are not what group clients expect: Kafka translates them so clients retry
 * or rediscover the coordinator (a Java consumer treats an unexpected NOT_ENOUGH_REPLICAS on
 * OffsetCommit as fatal). The produce error stays in `details.appendError`.
 */
const COORDINATOR_NOT_AVAILABLE_CAUSES: ReadonlySet<KafkaErrorName> = new Set<KafkaErrorName>([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'REQUEST_TIMED_OUT',
]);
const NOT_COORDINATOR_CAUSES: ReadonlySet<KafkaErrorName> = new Set<KafkaErrorName>([
  'NOT_LEADER_OR_FOLLOWER',
  'KAFKA_STORAGE_ERROR',
  // The coordinator itself fails appends still in flight when it unloads the partition.
  'NOT_COORDINATOR',
]);
const TOO_LARGE_CAUSES: ReadonlySet<KafkaErrorName> = new Set<KafkaErrorName>(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_FETCH_SIZE']);

/** The error an OffsetCommit (or DeleteGroups) answers when its append failed with `cause`. */
export function commitAppendError(cause: BrokerError): BrokerError {
  const details = { appendError: cause.kafkaName };
  if (COORDINATOR_NOT_AVAILABLE_CAUSES.has(cause.kafkaName)) return errors.coordinatorNotAvailable(cause.message, details);
  if (NOT_COORDINATOR_CAUSES.has(cause.kafkaName)) return errors.notCoordinator(cause.message, details);
  if (TOO_LARGE_CAUSES.has(cause.kafkaName)) return errors.invalidCommitOffsetSize(cause.message, details);
  return cause;
}

/**
 * The error SyncGroup answers when storing the group failed. A timed-out write sends members back
 * to JoinGroup (REBALANCE_IN_PROGRESS); errors a group client cannot act on become
 * UNKNOWN_SERVER_ERROR, as in Kafka.
 */
export function groupAppendError(cause: BrokerError): BrokerError {
  const details = { appendError: cause.kafkaName };
  if (cause.kafkaName === 'REQUEST_TIMED_OUT') return errors.rebalanceInProgress(cause.message, details);
  if (COORDINATOR_NOT_AVAILABLE_CAUSES.has(cause.kafkaName)) return errors.coordinatorNotAvailable(cause.message, details);
  if (NOT_COORDINATOR_CAUSES.has(cause.kafkaName)) return errors.notCoordinator(cause.message, details);
  return errors.unknownServerError(cause.message, details);
}
