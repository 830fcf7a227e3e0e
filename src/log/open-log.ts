/**
 * Opening one partition's log: `<dataDir>/<topic>-<partition>/` on the given Storage, recovered if
 * it was not closed cleanly.
 */
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { OffsetCheckpoint } from './checkpoint/offset-checkpoint.js';
import { resolveLogConfig, type LogConfig } from './config.js';
import { LeaderEpochCache } from './epoch/leader-epoch-cache.js';
import { loadLog } from './recovery/log-loader.js';
import { CLEANER_OFFSET_CHECKPOINT, LEADER_EPOCH_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT, partitionDirName } from './segment/file-names.js';
import { SegmentedLog } from './segmented-log.js';
import { joinPath, type Storage } from './storage/storage.js';

export interface OpenPartitionLogOptions {
  storage: Storage;
  /** The log directory (Kafka's `log.dirs` entry) that holds one directory per partition. */
  dataDir: string;
  topic: string;
  partition: number;
  /** Settings to override; the rest take Kafka's defaults. */
  config?: Partial<LogConfig>;
  clock: Clock;
  logger?: Logger;
  /**
   * The caller just made the partition's directory holding only the empty files of the segment at
   * offset 0 (`preparePartitionDirs`), and nothing has written there since: open it as new.
   */
  isNew?: boolean;
}

export function partitionLogDir(dataDir: string, topic: string, partition: number): string {
  return joinPath(dataDir, partitionDirName(topic, partition));
}

export function openPartitionLog(options: OpenPartitionLogOptions): SegmentedLog {
  const { storage, topic, partition, clock } = options;
  const config = resolveLogConfig(options.config);
  const dir = partitionLogDir(options.dataDir, topic, partition);
  const logger = options.logger?.child({ topic, partition });
  // A partition new to this broker has nothing in its directory to read (no segments, no
  // checkpoints): skipping those lookups matters when a broker takes thousands of new partitions at
  // once. A crash after the directory is made just leads to the full load next time.
  const fresh = options.isNew === true || !storage.exists(dir);
  storage.ensureDir(dir);
  const epochCache = new LeaderEpochCache(storage, joinPath(dir, LEADER_EPOCH_CHECKPOINT), logger, fresh);
  const logStartCheckpoint = new OffsetCheckpoint(storage, joinPath(dir, LOG_START_OFFSET_CHECKPOINT), topic, partition, logger, fresh);
  const recoveryPointCheckpoint = new OffsetCheckpoint(storage, joinPath(dir, RECOVERY_POINT_CHECKPOINT), topic, partition, logger, fresh);
  const cleanerCheckpoint = new OffsetCheckpoint(storage, joinPath(dir, CLEANER_OFFSET_CHECKPOINT), topic, partition, logger, fresh);
  const loaded = loadLog({ storage, dir, fresh, config, nowMs: clock.monotonic(), logger, epochCache, logStartCheckpoint, recoveryPointCheckpoint });
  if (loaded.recoveredSegments > 0) {
    logger?.info({ recoveredSegments: loaded.recoveredSegments, logEndOffset: loaded.recoveryPoint }, 'recovered log after an unclean shutdown');
  }
  return new SegmentedLog({
    topic,
    partition,
    dir,
    storage,
    config,
    clock,
    logger,
    segments: loaded.segments,
    logStartOffset: loaded.logStartOffset,
    recoveryPoint: loaded.recoveryPoint,
    recoveredSegments: loaded.recoveredSegments,
    epochCache,
    logStartCheckpoint,
    recoveryPointCheckpoint,
    cleanerCheckpoint,
  });
}

/** Deletes a partition's directory and everything in it (the topic was deleted). The log must be closed. */
export function deletePartitionLog(storage: Storage, dataDir: string, topic: string, partition: number): void {
  storage.removeDir(partitionLogDir(dataDir, topic, partition));
  storage.syncDir(dataDir);
}
