/**
 * Per-partition log settings, named after Kafka's topic configs (`segment.bytes` ->
 * `segmentBytes`) with Kafka's defaults. "Never" for the flush intervals is
 * Number.MAX_SAFE_INTEGER, as Kafka uses Long.MAX_VALUE.
 */

/** cleanup.policy: which of retention's deletion and the cleaner's compaction apply. */
export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

const CLEANUP_POLICIES: Readonly<Record<string, CleanupPolicy>> = { delete: 'delete', compact: 'compact', 'compact,delete': 'compact,delete', 'delete,compact': 'compact,delete' };

export function parseCleanupPolicy(value: string): CleanupPolicy {
  const policy = CLEANUP_POLICIES[value];
  if (!policy) throw errors.invalidConfig(`cleanup.policy must be delete, compact or compact,delete, got ${JSON.stringify(value)}`);
  return policy;
}

export const compacts = (policy: CleanupPolicy): boolean => policy !== 'delete';
export const deletes = (policy: CleanupPolicy): boolean => policy !== 'compact';
import { errors } from '../common/errors.js';
import { BATCH_HEADER_SIZE } from './batch/layout.js';
import { INDEX_ENTRY_BYTES } from './segment/offset-index.js';

export const NEVER = Number.MAX_SAFE_INTEGER;

export interface LogConfig {
  /** segment.bytes: a segment rolls before it would grow past this. */
  segmentBytes: number;
  /** segment.ms: a non-empty segment rolls once this long has passed since its first append. */
  segmentMs: number;
  /** segment.index.bytes: a segment rolls when its offset index reaches this size. */
  segmentIndexBytes: number;
  /** index.interval.bytes: log bytes between offset-index entries. */
  indexIntervalBytes: number;
  /** retention.bytes: old segments go while the log exceeds this; -1 for no limit. */
  retentionBytes: number;
  /** retention.ms: segments whose newest record is older than this go; -1 for no limit. */
  retentionMs: number;
  /** flush.messages: fsync after this many messages since the last flush. */
  flushIntervalMessages: number;
  /** flush.ms: fsync on append once this long has passed since the last flush. */
  flushIntervalMs: number;
  /**
   * log.flush.offset.checkpoint.interval.ms: how often a flush triggered by the flush policy also
   * rewrites the recovery-point checkpoint (explicit flushes, rolls and close always do).
   */
  flushOffsetCheckpointIntervalMs: number;
  /** max.message.bytes: the largest batch a leader accepts. */
  maxMessageBytes: number;
  /** cleanup.policy: retention deletes old segments only under `delete`; the cleaner runs only under `compact`. */
  cleanupPolicy: CleanupPolicy;
  /** delete.retention.ms: how long the cleaner keeps a tombstone (see cleaner/clean-log.ts). */
  deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio: the share of uncleaned bytes at which a log is worth cleaning. */
  minCleanableDirtyRatio: number;
}

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionBytes: -1,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  flushIntervalMessages: NEVER,
  flushIntervalMs: NEVER,
  flushOffsetCheckpointIntervalMs: 60_000,
  maxMessageBytes: 1024 * 1024 + 12,
  cleanupPolicy: 'delete',
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCleanableDirtyRatio: 0.5,
});

/** The settings a topic's configs may change while its log is open (`alter-configs`). */
export const RUNTIME_LOG_SETTINGS = ['segmentBytes', 'segmentMs', 'retentionBytes', 'retentionMs', 'maxMessageBytes', 'cleanupPolicy', 'deleteRetentionMs', 'minCleanableDirtyRatio'] as const;
export type RuntimeLogSettings = Pick<LogConfig, (typeof RUNTIME_LOG_SETTINGS)[number]>;

/** Positions in a segment and in its index are int32. */
const MAX_SEGMENT_BYTES = 0x7fff_ffff;

/** Fills in defaults and checks ranges; throws INVALID_CONFIG naming the offending setting. */
export function resolveLogConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  const config: LogConfig = { ...DEFAULT_LOG_CONFIG };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_LOG_CONFIG)) throw errors.invalidConfig(`unknown log setting ${key}`);
    if (key === 'cleanupPolicy') {
      config.cleanupPolicy = parseCleanupPolicy(String(value));
      continue;
    }
    if (key === 'minCleanableDirtyRatio') {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw errors.invalidConfig(`minCleanableDirtyRatio must be between 0 and 1, got ${String(value)}`);
      config.minCleanableDirtyRatio = value;
      continue;
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw errors.invalidConfig(`${key} must be an integer, got ${String(value)}`);
    (config as unknown as Record<string, number>)[key] = value;
  }
  requireRange(config, 'segmentBytes', BATCH_HEADER_SIZE, MAX_SEGMENT_BYTES);
  requireRange(config, 'segmentMs', 1, NEVER);
  requireRange(config, 'segmentIndexBytes', INDEX_ENTRY_BYTES, MAX_SEGMENT_BYTES);
  requireRange(config, 'indexIntervalBytes', 0, MAX_SEGMENT_BYTES);
  requireRange(config, 'retentionBytes', -1, NEVER);
  requireRange(config, 'retentionMs', -1, NEVER);
  requireRange(config, 'flushIntervalMessages', 1, NEVER);
  requireRange(config, 'flushIntervalMs', 0, NEVER);
  requireRange(config, 'flushOffsetCheckpointIntervalMs', 0, NEVER);
  requireRange(config, 'maxMessageBytes', 0, MAX_SEGMENT_BYTES);
  requireRange(config, 'deleteRetentionMs', 0, NEVER);
  return config;
}

function requireRange(config: LogConfig, key: Exclude<keyof LogConfig, 'cleanupPolicy'>, min: number, max: number): void {
  const value = config[key];
  if (value < min || value > max) throw errors.invalidConfig(`${key} must be between ${min} and ${max}, got ${value}`);
}
