/**
 * What the broker's partition code calls to make producers idempotent: one guard per partition
 * replica, opened with its log, told about everything that changes the log.
 *
 * Produce path on the leader (all three steps in one synchronous turn, no `await` in between, so no
 * other batch of the same producer can slip between the check and the append):
 *
 *   const header = validateBatchHeader(batch);          // from log/batch: size, magic, CRC
 *   const check = guard.beforeLeaderAppend(header);     // may throw a BrokerError: answer with it
 *   if (check.kind === 'duplicate') {
 *     // Not appended again. Answer as if it had just been appended at these offsets; with acks=all
 *     // wait, as for any append, until the high watermark passes check.lastOffset.
 *   } else {
 *     const info = log.appendAsLeader(batch, leaderEpoch);
 *     guard.afterAppend(info);
 *   }
 *
 * Follower path: `guard.afterAppend(log.appendAsFollower(bytes))` for every fetched chunk.
 * After `log.truncateTo(x)`: `guard.afterTruncate()`. After `log.truncateFullyAndStartAt(x)`:
 * `guard.afterTruncateFully()`. After `log.advanceLogStartOffset` or `log.applyRetention`:
 * `guard.afterLogStartAdvanced()`. Every `producer.id.expiration.check.interval.ms` (Kafka: 10
 * minutes): `guard.removeExpiredProducers()`. Before `log.close()`: `guard.close()`.
 */
import type { Clock } from '../../common/clock.js';
import type { Logger } from '../../common/logger.js';
import type { BatchHeader } from '../../log/batch/index.js';
import type { AppendInfo, PartitionLog, Storage } from '../../log/index.js';
import type { ProducerStateConfig } from './config.js';
import type { ProduceCheck } from './produce-check.js';
import type { ProducerEntryView } from './producer-entry.js';
import { ProducerStateManager, type RebuildReport } from './producer-state-manager.js';
import { ProducerSnapshotStore } from './snapshot-store.js';

export interface ProducerStateGuardOptions {
  log: PartitionLog;
  /** Wall time, compared with batch timestamps for producer.id.expiration.ms. */
  clock: Clock;
  /**
   * Where snapshots live: the partition's own directory on the log's storage
   * (`partitionLogDir(dataDir, topic, partition)`), as Kafka keeps them. Without it nothing is
   * snapshotted and every open replays the whole log.
   */
  snapshots?: { storage: Storage; dir: string };
  config?: Partial<ProducerStateConfig>;
  logger?: Logger;
}

export class ProducerStateGuard {
  private constructor(
    private readonly log: PartitionLog,
    private readonly clock: Clock,
    readonly state: ProducerStateManager,
    /** How the state was loaded when the guard opened. */
    readonly openedWith: RebuildReport,
  ) {}

  /** Loads the producer state of `log` (latest snapshot plus the log after it). The log must be open. */
  static open(options: ProducerStateGuardOptions): ProducerStateGuard {
    const logger = options.logger;
    const snapshots = options.snapshots && new ProducerSnapshotStore(options.snapshots.storage, options.snapshots.dir, logger);
    const state = new ProducerStateManager({ config: options.config, snapshots, logger });
    const report = state.rebuild(options.log, options.clock.now());
    return new ProducerStateGuard(options.log, options.clock, state, report);
  }

  /**
   * Decides on a producer's batch before the leader appends it: 'append', or a duplicate to answer
   * with the original offsets. Throws OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH or
   * INVALID_RECORD, which go back to the client for this partition.
   */
  beforeLeaderAppend(header: BatchHeader): ProduceCheck {
    return this.state.checkProduce(header);
  }

  /** Records what the log just appended, as leader or follower (AppendInfo of either path). */
  afterAppend(info: AppendInfo): void {
    for (const header of info.batches) this.state.onAppended(header);
  }

  /** The log was truncated (`truncateTo`): roll the state back to the new log end. */
  afterTruncate(): RebuildReport | undefined {
    return this.state.truncateAndReload(this.log, this.clock.now());
  }

  /** The log was emptied and restarted (`truncateFullyAndStartAt`). */
  afterTruncateFully(): void {
    this.state.truncateFullyAndStartAt(this.log.logEndOffset());
  }

  /** The log start moved up (retention or DeleteRecords). */
  afterLogStartAdvanced(): void {
    this.state.onLogStartOffsetAdvanced(this.log.logStartOffset());
  }

  removeExpiredProducers(): number {
    return this.state.removeExpiredProducers(this.clock.now());
  }

  /** The producer's state on this partition, for status and tests. */
  producer(producerId: number): ProducerEntryView | undefined {
    return this.state.entry(producerId);
  }

  /** Writes a final snapshot so the next open replays nothing (Kafka does the same on clean shutdown). */
  close(): void {
    this.state.takeSnapshot();
  }
}
