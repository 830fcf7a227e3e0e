/**
 * Opening a partition directory: find the segments, decide which can be trusted and which must be
 * recovered, and bring the checkpoints back in line with what survived.
 *
 * - After a clean close (the marker file is present) every segment is trusted.
 * - Otherwise segments from the one holding the recovery point onwards are recovered in full
 *   (every batch checked, indexes rebuilt); the first invalid byte ends the log, and any later
 *   segment is deleted. Earlier segments are trusted, but one whose index or tail does not check out
 *   is recovered too.
 * - The leader-epoch cache forgets what it says about the recovered segments and learns it again
 *   from their batches (its checkpoint is only written before the recovery point moves forward, so
 *   entries there may be missing or stale), then loses entries past the end.
 */
import { assert } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { LogConfig } from '../config.js';
import type { LeaderEpochCache } from '../epoch/leader-epoch-cache.js';
import type { OffsetCheckpoint } from '../checkpoint/offset-checkpoint.js';
import { TEMP_SUFFIX } from '../storage/atomic-write.js';
import { joinPath, type Storage } from '../storage/storage.js';
import { CLEAN_SHUTDOWN_MARKER, INDEX_FILE_SUFFIX, LOG_FILE_SUFFIX, parseSegmentFileName } from '../segment/file-names.js';
import { walkBatchHeaders } from '../segment/batch-walk.js';
import { LogSegment, type SegmentSettings } from '../segment/log-segment.js';
import { finishInterruptedCleaning } from '../cleaner/swap-recovery.js';
import { recoverSegment } from './segment-recovery.js';
import { loadTrustedSegment } from './trusted-segment.js';

export interface LoadContext {
  storage: Storage;
  dir: string;
  config: LogConfig;
  nowMs: number;
  /** The directory was just made: it holds nothing to list, clean up or recover. */
  fresh?: boolean;
  logger?: Logger | undefined;
  epochCache: LeaderEpochCache;
  logStartCheckpoint: OffsetCheckpoint;
  recoveryPointCheckpoint: OffsetCheckpoint;
}

export interface LoadedLog {
  /** In offset order; never empty; only the last may be empty. */
  segments: LogSegment[];
  logStartOffset: number;
  recoveryPoint: number;
  /** Segments recovered in full (for logs and tests). */
  recoveredSegments: number;
}

export function loadLog(ctx: LoadContext): LoadedLog {
  const { storage, dir } = ctx;
  if (!ctx.fresh) storage.ensureDir(dir);
  const settings: SegmentSettings = { indexIntervalBytes: ctx.config.indexIntervalBytes, segmentIndexBytes: ctx.config.segmentIndexBytes };
  const names = ctx.fresh ? [] : finishInterruptedCleaning(storage, dir, storage.list(dir), settings, ctx.logger);
  const hadCleanShutdown = names.includes(CLEAN_SHUTDOWN_MARKER);
  removeLeftovers(ctx, names);

  const bases = names.map((n) => parseSegmentFileName(n, LOG_FILE_SUFFIX)).filter((b): b is number => b !== undefined);
  bases.sort((a, b) => a - b);
  const segments = bases.map((base) => LogSegment.open(storage, dir, base, settings));

  const storedRecoveryPoint = ctx.recoveryPointCheckpoint.read();
  const checkpointedRecoveryPoint = hadCleanShutdown ? Number.MAX_SAFE_INTEGER : storedRecoveryPoint;
  const recovered = loadSegments(ctx, segments, checkpointedRecoveryPoint);

  const checkpointedLogStart = ctx.logStartCheckpoint.read();
  if (segments.length > 0 && checkpointedLogStart > segments[segments.length - 1]!.nextOffset()) {
    // The log start moved past everything that survived (a crash during truncateFullyAndStartAt,
    // or recovery cut below it): nothing here is part of the log any more.
    dropFrom(ctx, segments, 0, `the log start offset ${checkpointedLogStart} is beyond them`);
    ctx.epochCache.clear();
  }
  if (segments.length === 0) segments.push(LogSegment.create(storage, dir, checkpointedLogStart, settings));
  const logStartOffset = Math.max(checkpointedLogStart, segments[0]!.baseOffset);
  const logEndOffset = segments[segments.length - 1]!.nextOffset();
  assert(logStartOffset <= logEndOffset, `log start ${logStartOffset} beyond log end ${logEndOffset}`);

  // Whatever recovery found on disk may still sit only in the page cache: make it durable before
  // the recovery point moves past it.
  if (recovered > 0) for (const segment of segments) segment.flush();
  if (ctx.epochCache.needsRebuild) rebuildEpochCache(ctx.epochCache, segments);
  ctx.epochCache.truncateFromEnd(logEndOffset);
  ctx.epochCache.truncateFromStart(logStartOffset);
  // The epoch entries go first: once the recovery point says so, nothing here is rescanned.
  ctx.epochCache.flush();
  ctx.recoveryPointCheckpoint.write(logEndOffset);
  ctx.logStartCheckpoint.write(logStartOffset);

  if (hadCleanShutdown) {
    storage.remove(joinPath(dir, CLEAN_SHUTDOWN_MARKER));
    storage.syncDir(dir);
  }
  return { segments, logStartOffset, recoveryPoint: logEndOffset, recoveredSegments: recovered };
}

/**
 * Establishes every segment's end, trusting or recovering each; deletes segments after the first
 * damage. Returns how many segments were recovered in full.
 */
function loadSegments(ctx: LoadContext, segments: LogSegment[], recoveryPoint: number): number {
  // Recovery starts at the segment holding the recovery point (the last one starting at or
  // below it); after a clean shutdown it starts nowhere.
  let firstToRecover = 0;
  for (let i = 0; i < segments.length; i++) if (segments[i]!.baseOffset <= recoveryPoint) firstToRecover = i;
  if (recoveryPoint === Number.MAX_SAFE_INTEGER) firstToRecover = segments.length;

  let recovered = 0;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const previous = segments[i - 1];
    if (previous && segment.baseOffset < previous.nextOffset()) {
      dropFrom(ctx, segments, i, `segment ${segment.baseOffset} overlaps the one before, which ends at ${previous.nextOffset()}`);
      break;
    }
    if (i < firstToRecover) {
      const doubt = loadTrustedSegment(segment, segments[i + 1]?.baseOffset, ctx.config.indexIntervalBytes, ctx.nowMs);
      if (doubt === undefined) continue;
      ctx.logger?.warn({ segment: segment.baseOffset, reason: doubt }, 'segment failed its load checks; recovering it');
    }
    // From the recovery point's segment on, every entry is rebuilt from the batches: the checkpoint
    // may predate them, or still hold entries of batches a truncation removed before the crash.
    // (Entries below it were flushed before the recovery point moved past them.)
    if (i === firstToRecover) ctx.epochCache.truncateFromEnd(segment.baseOffset);
    recovered++;
    const result = recoverSegment(segment, (header) => {
      if (header.partitionLeaderEpoch >= 0 && header.partitionLeaderEpoch > ctx.epochCache.latestEpoch()) {
        ctx.epochCache.assign(header.partitionLeaderEpoch, header.baseOffset);
      }
    });
    segment.setLoadedEnd(result.nextOffset, ctx.nowMs);
    if (result.reason !== undefined) {
      ctx.logger?.warn(
        { segment: segment.baseOffset, validBytes: result.validBytes, truncatedBytes: result.truncatedBytes, reason: result.reason },
        'recovery truncated the log at the first invalid batch',
      );
      dropFrom(ctx, segments, i + 1, 'they follow a truncated segment');
      break;
    }
  }
  return recovered;
}

/** Deletes segments[from..] (they cannot be part of the log). */
function dropFrom(ctx: LoadContext, segments: LogSegment[], from: number, reason: string): void {
  const dropped = segments.splice(from);
  if (dropped.length === 0) return;
  ctx.logger?.warn({ segments: dropped.map((s) => s.baseOffset), reason }, 'recovery deleted segments');
  for (const segment of dropped) segment.delete();
  ctx.storage.syncDir(ctx.dir);
}

/** Temporary checkpoint files from an interrupted write, and indexes without a log, are removed. */
function removeLeftovers(ctx: LoadContext, names: string[]): void {
  const logs = new Set(names.filter((n) => n.endsWith(LOG_FILE_SUFFIX)).map((n) => n.slice(0, -LOG_FILE_SUFFIX.length)));
  for (const name of names) {
    const orphanIndex = parseSegmentFileName(name, INDEX_FILE_SUFFIX) !== undefined && !logs.has(name.slice(0, -INDEX_FILE_SUFFIX.length));
    if (name.endsWith(TEMP_SUFFIX) || orphanIndex) ctx.storage.remove(joinPath(ctx.dir, name));
  }
}

/** Rebuilds the epoch cache from the epochs stamped in every batch (the checkpoint was corrupt). */
function rebuildEpochCache(cache: LeaderEpochCache, segments: readonly LogSegment[]): void {
  // Written with the next flush, and only if the rebuild changed something: a new, empty log has
  // no epochs to record, and a missing checkpoint already says so.
  cache.clear();
  for (const segment of segments) {
    walkBatchHeaders(segment.log, 0, segment.sizeBytes(), (header) => {
      if (header.partitionLeaderEpoch >= 0 && header.partitionLeaderEpoch > cache.latestEpoch()) {
        cache.assign(header.partitionLeaderEpoch, header.baseOffset);
      }
      return true;
    });
  }
}
