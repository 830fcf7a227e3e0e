/**
 * One replica's partition log: segments on a Storage, the leader-epoch cache, the log start offset
 * and the recovery point, behind the synchronous PartitionLog contract.
 *
 * Invariants (asserted where they could break):
 * - logStartOffset <= recoveryPoint <= logEndOffset, and the first segment starts at or below the
 *   log start offset;
 * - everything below the recovery point is durable; the recovery-point checkpoint never claims
 *   more than that (it may claim less);
 * - leader-epoch entries start at or above the log start and below the log end, and are written
 *   to their checkpoint before the batches that introduce them.
 *
 * A storage failure leaves the in-memory state possibly out of step with the files, so the log
 * then refuses every further call with KAFKA_STORAGE_ERROR, as Kafka takes a failed log dir offline.
 */
import type { Clock } from '../common/clock.js';
import { assert, errors, isBrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { lastOffsetOf, stampBatch, type BatchHeader } from './batch/layout.js';
import type { AppendInfo, CleanRequest, EpochEndOffset, LogReadResult, PartitionLog } from './types.js';
import { compacts, deletes, resolveLogConfig, RUNTIME_LOG_SETTINGS, type LogConfig, type RuntimeLogSettings } from './config.js';
import { cleanLog, type CleanStats } from './cleaner/clean-log.js';
import type { Storage } from './storage/storage.js';
import type { LeaderEpochCache, EpochEntry } from './epoch/leader-epoch-cache.js';
import type { OffsetCheckpoint } from './checkpoint/offset-checkpoint.js';
import { validateFollowerBatches, validateLeaderBatch } from './append-validation.js';
import { FlushPolicy } from './flush-policy.js';
import { segmentsToRetain } from './retention.js';
import { LogSegment, type SegmentSettings } from './segment/log-segment.js';
import { SegmentList } from './segment/segment-list.js';
import { joinPath } from './storage/storage.js';
import { CLEAN_SHUTDOWN_MARKER } from './segment/file-names.js';

const MAX_RELATIVE_OFFSET = 0x7fff_ffff;

export interface SegmentedLogParts {
  topic: string;
  partition: number;
  dir: string;
  storage: Storage;
  config: LogConfig;
  clock: Clock;
  logger?: Logger | undefined;
  segments: LogSegment[];
  logStartOffset: number;
  recoveryPoint: number;
  /** Segments the open had to recover in full (0 after a clean shutdown). */
  recoveredSegments: number;
  epochCache: LeaderEpochCache;
  logStartCheckpoint: OffsetCheckpoint;
  recoveryPointCheckpoint: OffsetCheckpoint;
  /** Where the cleaner's next pass starts (compacted topics). */
  cleanerCheckpoint: OffsetCheckpoint;
}

export class SegmentedLog implements PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  private readonly storage: Storage;
  /** Mutable in place: `reconfigure` changes the topic-level settings of an open log. */
  private readonly config: LogConfig;
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;
  private readonly segments: SegmentList;
  private readonly settings: SegmentSettings;
  private readonly epochCache: LeaderEpochCache;
  private readonly logStartCheckpoint: OffsetCheckpoint;
  private readonly recoveryPointCheckpoint: OffsetCheckpoint;
  private readonly cleanerCheckpoint: OffsetCheckpoint;
  private readonly flushPolicy: FlushPolicy;
  /** The cleaner's first dirty offset: records below it were cleaned already. */
  private firstDirtyOffset: number;
  private logStart: number;
  private recoveryPointValue: number;
  private failure: Error | undefined;
  private closed = false;
  /** Segments recovered in full when the log was opened. */
  readonly recoveredSegmentsOnOpen: number;

  constructor(parts: SegmentedLogParts) {
    this.topic = parts.topic;
    this.partition = parts.partition;
    this.dir = parts.dir;
    this.storage = parts.storage;
    this.config = parts.config;
    this.clock = parts.clock;
    this.logger = parts.logger;
    this.segments = new SegmentList(parts.segments);
    this.settings = { indexIntervalBytes: parts.config.indexIntervalBytes, segmentIndexBytes: parts.config.segmentIndexBytes };
    this.epochCache = parts.epochCache;
    this.logStartCheckpoint = parts.logStartCheckpoint;
    this.recoveryPointCheckpoint = parts.recoveryPointCheckpoint;
    this.cleanerCheckpoint = parts.cleanerCheckpoint;
    this.firstDirtyOffset = parts.cleanerCheckpoint.read();
    this.flushPolicy = new FlushPolicy(parts.config, parts.clock);
    this.logStart = parts.logStartOffset;
    this.recoveryPointValue = parts.recoveryPoint;
    this.recoveredSegmentsOnOpen = parts.recoveredSegments;
    this.checkInvariants();
  }

  logStartOffset(): number {
    return this.logStart;
  }

  logEndOffset(): number {
    return this.segments.active().nextOffset();
  }

  /** Offset below which everything is known durable. */
  recoveryPoint(): number {
    return this.recoveryPointValue;
  }

  /** Total bytes of all segments. */
  sizeInBytes(): number {
    return this.segments.sizeBytes();
  }

  segmentCount(): number {
    return this.segments.length;
  }

  segmentBaseOffsets(): number[] {
    return this.segments.all().map((s) => s.baseOffset);
  }

  epochEntries(): EpochEntry[] {
    return this.epochCache.epochEntries();
  }

  /**
   * Validates the batch in full, then stamps offset and epoch into `batch` itself (no copy: the
   * caller's buffer holds the stored bytes afterwards). An epoch below the latest one is refused
   * with FENCED_LEADER_EPOCH: only a deposed leader would send it.
   */
  appendAsLeader(batch: Buffer, leaderEpoch: number): AppendInfo {
    return this.guard(() => {
      const { header, maxRecordTimestamp } = validateLeaderBatch(batch, this.config);
      const latestEpoch = this.epochCache.latestEpoch();
      if (leaderEpoch < latestEpoch) throw errors.fencedLeaderEpoch(`append with epoch ${leaderEpoch} below the log's latest epoch ${latestEpoch}`);
      const baseOffset = this.logEndOffset();
      stampBatch(batch, 0, baseOffset, leaderEpoch);
      const stamped: BatchHeader = { ...header, baseOffset, partitionLeaderEpoch: leaderEpoch };
      if (leaderEpoch >= 0) this.epochCache.assign(leaderEpoch, baseOffset);
      this.appendValidated(batch, [stamped]);
      return { firstOffset: baseOffset, lastOffset: lastOffsetOf(stamped), maxTimestamp: maxRecordTimestamp, batches: [stamped], sizeInBytes: batch.length };
    });
  }

  appendAsFollower(batches: Buffer): AppendInfo {
    return this.guard(() => {
      const logEndOffset = this.logEndOffset();
      const headers = validateFollowerBatches(batches, logEndOffset, this.config);
      if (headers.length === 0) return { firstOffset: logEndOffset, lastOffset: logEndOffset - 1, maxTimestamp: -1, batches: [], sizeInBytes: 0 };
      for (const header of headers) {
        const epoch = header.partitionLeaderEpoch;
        if (epoch >= 0 && epoch > this.epochCache.latestEpoch()) this.epochCache.assign(epoch, header.baseOffset);
      }
      this.appendValidated(batches, headers);
      let maxTimestamp = -1;
      for (const header of headers) maxTimestamp = Math.max(maxTimestamp, header.maxTimestamp);
      const last = headers[headers.length - 1]!;
      return { firstOffset: headers[0]!.baseOffset, lastOffset: lastOffsetOf(last), maxTimestamp, batches: headers, sizeInBytes: batches.length };
    });
  }

  read(startOffset: number, maxBytes: number, maxOffset?: number): LogReadResult {
    return this.guard(() => {
      const logEndOffset = this.logEndOffset();
      if (startOffset < this.logStart || startOffset > logEndOffset) {
        throw errors.offsetOutOfRange(`offset ${startOffset} outside [${this.logStart}, ${logEndOffset}]`, {
          logStartOffset: this.logStart,
          logEndOffset,
        });
      }
      const limit = Math.min(maxOffset ?? logEndOffset, logEndOffset);
      for (let i = this.segments.indexFor(startOffset); i < this.segments.length && startOffset < limit; i++) {
        const result = this.segments.at(i).read(startOffset, maxBytes, limit);
        if (result) return result;
      }
      return { records: Buffer.alloc(0), firstBatchOffset: startOffset, nextOffset: startOffset };
    });
  }

  truncateTo(offset: number): void {
    this.guard(() => {
      assert(Number.isSafeInteger(offset) && offset >= 0, `truncate to invalid offset ${offset}`);
      if (offset >= this.logEndOffset()) return;
      if (offset < this.segments.first().baseOffset) {
        this.truncateFullyAndStartAtUnguarded(offset);
        return;
      }
      const keep = this.segments.indexFor(offset);
      if (keep + 1 < this.segments.length) this.deleteSegments(this.segments.removeFrom(keep + 1));
      const segment = this.segments.active();
      segment.truncateTo(offset);
      // Made durable at once: otherwise a crash could bring back the diverged batches just removed.
      segment.flush();
      const logEndOffset = segment.nextOffset();
      this.logger?.info({ offset, logEndOffset }, 'truncated log');
      if (this.logStart > logEndOffset) this.setLogStart(logEndOffset);
      if (this.recoveryPointValue > logEndOffset) {
        // Moving back needs no epoch flush: recovery rescans from here and rebuilds those entries.
        this.recoveryPointValue = logEndOffset;
        this.recoveryPointCheckpoint.write(logEndOffset);
      }
      this.epochCache.truncateFromEnd(logEndOffset);
      if (this.firstDirtyOffset > logEndOffset) this.setFirstDirtyOffset(logEndOffset);
      this.checkInvariants();
    });
  }

  truncateFullyAndStartAt(offset: number): void {
    this.guard(() => this.truncateFullyAndStartAtUnguarded(offset));
  }

  endOffsetForEpoch(epoch: number): EpochEndOffset {
    this.checkUsable();
    return this.epochCache.endOffsetFor(epoch, this.logEndOffset());
  }

  latestEpoch(): number {
    this.checkUsable();
    return this.epochCache.latestEpoch();
  }

  advanceLogStartOffset(offset: number): void {
    this.guard(() => {
      if (offset <= this.logStart) return;
      const logEndOffset = this.logEndOffset();
      if (offset > logEndOffset) throw errors.offsetOutOfRange(`cannot move the log start to ${offset}, past the log end ${logEndOffset}`);
      this.setLogStart(offset);
      this.epochCache.truncateFromStart(offset);
      const below = segmentsToRetain(this.segments.all(), { retentionMs: -1, retentionBytes: -1 }, 0, offset);
      if (below > 0) this.deleteSegments(this.segments.removeOldest(below));
      this.checkInvariants();
    });
  }

  applyRetention(nowMs: number, upperBoundOffset?: number): number {
    return this.guard(() => {
      // Under cleanup.policy=compact alone, only segments below the log start go.
      const limits = deletes(this.config.cleanupPolicy) ? this.config : { retentionMs: -1, retentionBytes: -1 };
      const count = segmentsToRetain(this.segments.all(), limits, nowMs, this.logStart, upperBoundOffset ?? this.logEndOffset());
      if (count === 0) return 0;
      const removed = this.segments.removeOldest(count);
      this.deleteSegments(removed);
      this.logger?.info({ segments: removed.map((s) => s.baseOffset) }, 'retention deleted segments');
      const firstOffset = this.segments.first().baseOffset;
      if (firstOffset > this.logStart) {
        this.setLogStart(firstOffset);
        this.epochCache.truncateFromStart(firstOffset);
      }
      if (this.recoveryPointValue < firstOffset) this.recoveryPointValue = firstOffset;
      this.checkInvariants();
      return count;
    });
  }

  clean(options: CleanRequest): CleanStats | undefined {
    return this.guard(() => {
      if (!compacts(this.config.cleanupPolicy)) return undefined;
      const stats = cleanLog(
        { storage: this.storage, dir: this.dir, settings: this.settings, segments: this.segments, logStartOffset: this.logStart, config: this.config, logger: this.logger },
        { ...options, upperBoundOffset: Math.min(options.upperBoundOffset ?? Number.POSITIVE_INFINITY, this.logEndOffset()), firstDirtyOffset: this.firstDirtyOffset },
      );
      if (!stats) return undefined;
      this.setFirstDirtyOffset(stats.nextDirtyOffset);
      this.logger?.info({ ...stats }, 'cleaned the log');
      this.checkInvariants();
      return stats;
    });
  }

  rollIfDue(): boolean {
    return this.guard(() => {
      const active = this.segments.active();
      // Appends only roll when they arrive; an idle partition's last segment would otherwise stay
      // active (and so never deletable) however old its records get.
      if (active.isEmpty() || active.rollStartMs === undefined) return false;
      if (this.clock.monotonic() - active.rollStartMs < this.config.segmentMs) return false;
      this.roll(active.nextOffset());
      return true;
    });
  }

  reconfigure(settings: Partial<RuntimeLogSettings>): void {
    this.checkUsable();
    const changed: Partial<RuntimeLogSettings> = {};
    for (const key of RUNTIME_LOG_SETTINGS) {
      const value = settings[key];
      if (value !== undefined && value !== this.config[key]) (changed as Record<string, unknown>)[key] = value;
    }
    if (Object.keys(changed).length === 0) return;
    // Validated as a whole before anything changes; the flush policy reads the same object.
    Object.assign(this.config, resolveLogConfig({ ...this.config, ...changed }));
    this.logger?.info({ changed }, 'log settings changed');
  }

  flush(): void {
    this.guard(() => this.flushUnflushed(true));
  }

  close(): void {
    if (this.closed) return;
    if (this.failure) {
      for (const segment of this.segments.all()) closeQuietly(segment);
      this.closed = true;
      return;
    }
    this.guard(() => {
      this.flushUnflushed(true);
      for (const segment of this.segments.all()) segment.close();
      // Created after everything above is on disk, so the marker never vouches for data that is
      // not. The marker itself needs no fsync: losing it to a crash only costs a recovery scan,
      // and with thousands of partitions two fsyncs each add up.
      this.storage.open(joinPath(this.dir, CLEAN_SHUTDOWN_MARKER)).close();
    });
    this.closed = true;
  }

  /**
   * Closes the files of a log about to be deleted: nothing is flushed and no clean-shutdown marker
   * is written, since the directory goes next.
   */
  closeForDeletion(): void {
    if (this.closed) return;
    for (const segment of this.segments.all()) closeQuietly(segment);
    this.closed = true;
  }

  /** Writes validated, stamped batches, rolling segments as needed, then applies the flush policy. */
  private appendValidated(bytes: Buffer, headers: readonly BatchHeader[]): void {
    const nowMs = this.clock.monotonic();
    let first = 0;
    let firstPosition = 0;
    let position = 0;
    let pendingBytes = 0;
    let messages = 0;
    for (let i = 0; i < headers.length; i++) {
      const header = headers[i]!;
      if (this.shouldRoll(header, pendingBytes, nowMs)) {
        if (i > first) this.segments.active().append(bytes.subarray(firstPosition, position), headers.slice(first, i), nowMs);
        this.roll(header.baseOffset);
        first = i;
        firstPosition = position;
        pendingBytes = 0;
      }
      position += header.sizeInBytes;
      pendingBytes += header.sizeInBytes;
      messages += header.recordCount;
    }
    assert(position === bytes.length, `batches cover ${position} of ${bytes.length} bytes`);
    this.segments.active().append(first === 0 ? bytes : bytes.subarray(firstPosition), first === 0 ? headers : headers.slice(first), nowMs);
    if (this.flushPolicy.recordAppend(messages)) this.flushUnflushed(false);
  }

  private shouldRoll(header: BatchHeader, pendingBytes: number, nowMs: number): boolean {
    const active = this.segments.active();
    const sizeBytes = active.sizeBytes() + pendingBytes;
    if (sizeBytes === 0) return false;
    const rollStartMs = active.rollStartMs ?? nowMs;
    return (
      sizeBytes + header.sizeInBytes > this.config.segmentBytes ||
      nowMs - rollStartMs >= this.config.segmentMs ||
      active.index.isFull() ||
      lastOffsetOf(header) - active.baseOffset > MAX_RELATIVE_OFFSET
    );
  }

  /**
   * Starts a new active segment at `baseOffset`. The old one is flushed first, as Kafka does on
   * roll, so the recovery point keeps up with the segments and recovery only rescans the active one.
   */
  private roll(baseOffset: number): void {
    const previous = this.segments.active();
    assert(previous.nextOffset() <= baseOffset, `roll at ${baseOffset} but the log ends at ${previous.nextOffset()}`);
    previous.flush();
    this.segments.push(LogSegment.create(this.storage, this.dir, baseOffset, this.settings));
    this.storage.syncDir(this.dir);
    this.recoveryPointValue = baseOffset;
    this.checkpointRecoveryPoint(baseOffset);
    this.logger?.debug({ baseOffset }, 'rolled a new segment');
  }

  /**
   * Syncs every segment holding data at or above the recovery point and moves the point to the log
   * end. An explicit flush also syncs the active segment's index and always rewrites the checkpoint;
   * a flush the policy triggers leaves the active index to recovery and checkpoints on an interval.
   */
  private flushUnflushed(explicit: boolean): void {
    const logEndOffset = this.logEndOffset();
    const active = this.segments.active();
    for (let i = this.segments.indexFor(this.recoveryPointValue); i < this.segments.length; i++) {
      const segment = this.segments.at(i);
      segment.flush(explicit || segment !== active);
    }
    this.recoveryPointValue = logEndOffset;
    if (this.flushPolicy.flushed() || explicit) {
      this.checkpointRecoveryPoint(logEndOffset);
      this.flushPolicy.checkpointed();
    }
  }

  /**
   * Records that everything below `offset` is on disk. Recovery will not rescan it, so the epoch
   * entries that describe it must be on disk first.
   */
  private checkpointRecoveryPoint(offset: number): void {
    this.epochCache.flush();
    this.recoveryPointCheckpoint.write(offset);
  }

  private truncateFullyAndStartAtUnguarded(offset: number): void {
    assert(Number.isSafeInteger(offset) && offset >= 0, `restart at invalid offset ${offset}`);
    this.deleteSegments(this.segments.all());
    const fresh = LogSegment.create(this.storage, this.dir, offset, this.settings);
    this.segments.replaceAll(fresh);
    fresh.flush();
    this.storage.syncDir(this.dir);
    this.setLogStart(offset);
    this.epochCache.clear();
    this.recoveryPointValue = offset;
    this.checkpointRecoveryPoint(offset);
    this.setFirstDirtyOffset(offset);
    this.logger?.info({ offset }, 'emptied the log and restarted it');
    this.checkInvariants();
  }

  /** Records where the cleaner goes on (after a pass, or lowered by a truncation that removed cleaned records). */
  private setFirstDirtyOffset(offset: number): void {
    this.firstDirtyOffset = offset;
    this.cleanerCheckpoint.write(offset);
  }

  private setLogStart(offset: number): void {
    this.logStart = offset;
    this.logStartCheckpoint.write(offset);
  }

  private deleteSegments(segments: readonly LogSegment[]): void {
    for (const segment of segments) segment.delete();
    if (segments.length > 0) this.storage.syncDir(this.dir);
  }

  private checkInvariants(): void {
    const logEndOffset = this.logEndOffset();
    assert(this.segments.first().baseOffset <= this.logStart, `first segment ${this.segments.first().baseOffset} above log start ${this.logStart}`);
    assert(this.logStart <= logEndOffset, `log start ${this.logStart} beyond log end ${logEndOffset}`);
    assert(this.recoveryPointValue <= logEndOffset, `recovery point ${this.recoveryPointValue} beyond log end ${logEndOffset}`);
    const latest = this.epochCache.latestEntry();
    assert(!latest || latest.startOffset <= logEndOffset, `epoch ${latest?.epoch} starts at ${latest?.startOffset}, beyond log end ${logEndOffset}`);
  }

  private checkUsable(): void {
    assert(!this.closed, `log ${this.dir} is closed`);
    if (this.failure) throw errors.kafkaStorageError(`log ${this.dir} failed earlier: ${this.failure.message}`);
  }

  /** Runs an operation; a storage failure takes the log offline. */
  private guard<T>(operation: () => T): T {
    this.checkUsable();
    try {
      return operation();
    } catch (e) {
      if (isBrokerError(e, 'KAFKA_STORAGE_ERROR')) {
        this.failure = e;
        this.logger?.error({ err: e }, 'storage failure; the log is offline');
      }
      throw e;
    }
  }
}

function closeQuietly(segment: LogSegment): void {
  try {
    segment.close();
  } catch {
    // Already failing: the first error is the one reported.
  }
}
