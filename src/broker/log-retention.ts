/**
 * One pass of the log manager's retention check (Kafka's `log.retention.check.interval.ms` task)
 * over the replicas a broker hosts: bring each log's settings up to its topic's configs, roll an
 * active segment older than `segment.ms`, then delete whole segments past `retention.ms` or beyond
 * `retention.bytes`, never one reaching the replica's high watermark. Deleting advances the log
 * start offset; followers also learn the leader's from its fetch answers. Then, for topics with
 * `cleanup.policy=compact`, one pass of the log cleaner below the high watermark (each replica
 * cleans its own log, as in Kafka). No timer here: the replica manager schedules the pass on its
 * clock.
 */
import type { Logger } from '../common/logger.js';
import type { RuntimeLogSettings } from '../log/config.js';
import { DEFAULT_DEDUPE_BUFFER_BYTES } from '../log/cleaner/offset-map.js';
import type { CleanStats, PartitionLog } from '../log/types.js';

/** What the check needs of a hosted replica. */
export interface RetentionTarget {
  readonly topic: string;
  readonly partition: number;
  readonly log: PartitionLog;
  /** The leader's high watermark, or the follower's last known one. */
  highWatermark(): number;
}

/** A topic's current log settings from its configs; undefined when the topic is not known. */
export type LogSettingsFor = (topic: string) => Partial<RuntimeLogSettings> | undefined;

export interface RetentionOutcome {
  readonly topic: string;
  readonly partition: number;
  readonly deletedSegments: number;
  readonly logStartOffset: number;
  /** What the cleaner did, when it ran. */
  readonly cleaned?: CleanStats;
}

/** Returns the replicas whose segments were deleted. A failing log is reported and skipped. */
export function checkRetention(targets: Iterable<RetentionTarget>, nowMs: number, settingsFor: LogSettingsFor | undefined, logger: Logger, dedupeBufferBytes = DEFAULT_DEDUPE_BUFFER_BYTES): RetentionOutcome[] {
  const outcomes: RetentionOutcome[] = [];
  for (const target of targets) {
    const { topic, partition, log } = target;
    try {
      const settings = settingsFor?.(topic);
      if (settings) log.reconfigure(settings);
      log.rollIfDue();
      const deletedSegments = log.applyRetention(nowMs, target.highWatermark());
      if (deletedSegments > 0) logger.info({ topic, partition, deletedSegments, logStartOffset: log.logStartOffset() }, 'retention advanced the log start offset');
      const cleaned = log.clean({ nowMs, upperBoundOffset: target.highWatermark(), dedupeBufferBytes });
      if (deletedSegments === 0 && !cleaned) continue;
      outcomes.push({ topic, partition, deletedSegments, logStartOffset: log.logStartOffset(), ...(cleaned ? { cleaned } : {}) });
    } catch (e) {
      // One offline or misconfigured log must not stop retention on the others.
      logger.warn({ err: e, topic, partition }, 'retention check failed for a replica');
    }
  }
  return outcomes;
}
