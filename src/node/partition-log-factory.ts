/**
 * How a node opens and deletes its partition logs on disk: segment files under
 * `<dataDir>/logs`, each wrapped in the producer state of the idempotent log, whose snapshots live
 * beside the segments as in Kafka. A topic's own settings (segment size, retention, message size)
 * come from the metadata image when the topic is known there, when a log opens and again at each
 * retention check (so `alter-configs` reaches open logs).
 */
import { join } from 'node:path';
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { IdempotentLog } from '../broker/producer-state/index.js';
import { deletePartitionLog, FileStorage, openPartitionLog, partitionLogDir, preparePartitionDirs, type SegmentedLog } from '../log/index.js';
import { parseCleanupPolicy, type RuntimeLogSettings } from '../log/config.js';
import type { PartitionLog } from '../log/types.js';
import { topicByName, topicConfig, type MetadataImage } from '../metadata/index.js';
import type { NodeConfig } from './config.js';

export interface PartitionLogFactory {
  openLog(topic: string, partition: number): PartitionLog;
  /** Makes the directories and files of partitions new to this broker, off the event loop. */
  prepareLogs(partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<void>;
  deleteLog(log: PartitionLog): void;
  /** Bytes on disk and segment count of a log this factory opened (for the metrics); undefined for others. */
  sizeOf(log: PartitionLog): LogSize | undefined;
}

export interface LogSize {
  readonly sizeBytes: number;
  readonly segments: number;
}

/** The log settings a topic's configs give (`segment.bytes`, `retention.ms`, ...); undefined for a topic the image does not know. */
export function topicLogSettings(image: MetadataImage | undefined, topic: string): RuntimeLogSettings | undefined {
  const t = image && topicByName(image, topic);
  if (!t) return undefined;
  const tc = topicConfig(t);
  return {
    segmentBytes: tc.segmentBytes,
    segmentMs: tc.segmentMs,
    retentionMs: tc.retentionMs,
    retentionBytes: tc.retentionBytes,
    maxMessageBytes: tc.maxMessageBytes,
    cleanupPolicy: parseCleanupPolicy(tc.cleanupPolicy),
    deleteRetentionMs: tc.deleteRetentionMs,
    minCleanableDirtyRatio: tc.minCleanableDirtyRatio,
  };
}

export function partitionLogFactory(config: NodeConfig, clock: Clock, logger: Logger, image: () => MetadataImage | undefined): PartitionLogFactory {
  const storage = new FileStorage();
  const logsDir = join(config.dataDir, 'logs');
  // The replica manager holds the producer-state wrapper; its segments are the inner log's.
  const segmentedLogs = new WeakMap<PartitionLog, SegmentedLog>();
  // Directories `prepareLogs` made empty, not yet opened: nothing else writes there meanwhile.
  const prepared = new Set<string>();
  return {
    openLog: (topic, partition) => {
      const settings = topicLogSettings(image(), topic);
      const dir = partitionLogDir(logsDir, topic, partition);
      const log = openPartitionLog({
        storage,
        dataDir: logsDir,
        topic,
        partition,
        isNew: prepared.delete(dir),
        clock,
        logger: logger.child({ component: 'log' }),
        config: {
          ...settings,
          ...(config.broker.flushIntervalMessages > 0 ? { flushIntervalMessages: config.broker.flushIntervalMessages } : {}),
        },
      });
      const opened = new IdempotentLog(log, { clock, snapshots: { storage, dir }, logger: logger.child({ component: 'producer-state', topic, partition }) });
      segmentedLogs.set(opened, log);
      return opened;
    },
    prepareLogs: async (partitions) => {
      for (const dir of await preparePartitionDirs(logsDir, partitions)) prepared.add(dir);
    },
    deleteLog: (log) => {
      // A deleted log needs no final flush, snapshot or clean-shutdown marker: only its files closed.
      const segmented = segmentedLogs.get(log);
      if (segmented) segmented.closeForDeletion();
      else log.close();
      prepared.delete(partitionLogDir(logsDir, log.topic, log.partition));
      deletePartitionLog(storage, logsDir, log.topic, log.partition);
    },
    sizeOf: (log) => {
      const segmented = segmentedLogs.get(log);
      return segmented && { sizeBytes: segmented.sizeInBytes(), segments: segmented.segmentBaseOffsets().length };
    },
  };
}
