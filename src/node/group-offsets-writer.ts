/**
 * The group coordinator's writer: each append becomes one record batch produced with acks=all to
 * `__consumer_offsets` through the local replica manager, so a commit is answered only once every
 * in-sync replica holds it. The leader appends synchronously, so batches land in call order.
 *
 * Each produce carries the leader epoch the partition was loaded under: if this broker has since
 * been re-elected (a newer epoch, a reload pending), the stale coordinator state cannot write.
 */
import { errors, isBrokerError, type BrokerError, type KafkaErrorName } from '../common/errors.js';
import { ACKS_ALL, type ReplicaManager } from '../broker/index.js';
import { OFFSETS_TOPIC_NAME, type OffsetsTopicWriter } from '../broker/group/index.js';
import { buildBatch } from '../log/batch/index.js';

export interface OffsetsWriterOptions {
  readonly replicaManager: Pick<ReplicaManager, 'produce'>;
  /** offset.commit.timeout.ms: the longest an append waits for the in-sync replicas. */
  readonly timeoutMs: number;
  /** The leader epoch `partition` was loaded under, or undefined when it is not loaded here. */
  readonly loadedLeaderEpoch: (partition: number) => number | undefined;
}

/** A newer leader epoch than the loaded one: the coordinator's state is stale, clients must look again. */
const STALE_EPOCH_ERRORS: ReadonlySet<KafkaErrorName> = new Set<KafkaErrorName>(['FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH']);

export function replicatedOffsetsWriter(options: OffsetsWriterOptions): OffsetsTopicWriter {
  return (append) => {
    const leaderEpoch = options.loadedLeaderEpoch(append.partition);
    if (leaderEpoch === undefined) {
      append.complete(errors.notCoordinator(`__consumer_offsets-${append.partition} is not loaded here`));
      return;
    }
    let records: Buffer;
    try {
      records = buildBatch(append.records);
    } catch (e) {
      if (!isBrokerError(e)) throw e;
      append.complete(e);
      return;
    }
    options.replicaManager.produce(
      {
        acks: ACKS_ALL,
        timeoutMs: options.timeoutMs,
        partitions: [{ topic: OFFSETS_TOPIC_NAME, partition: append.partition, records, currentLeaderEpoch: leaderEpoch }],
      },
      (response) => append.complete(translate(response.partitions[0]?.error)),
    );
  };
}

function translate(error: BrokerError | undefined): BrokerError | undefined {
  if (error && STALE_EPOCH_ERRORS.has(error.kafkaName)) return errors.notCoordinator(error.message, { appendError: error.kafkaName });
  return error;
}
