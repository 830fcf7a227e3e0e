/**
 * One pass of the log cleaner over a partition log (Kafka's LogCleaner.doClean), for topics with
 * `cleanup.policy=compact`:
 *
 * 1. The cleanable part is the run of whole segments below the active one and below
 *    `upperBoundOffset` (the high watermark: a record above it may still be truncated away, so it
 *    must not make an older record of its key disappear). Its dirty part starts at the first dirty
 *    offset, where the previous pass stopped. A log is cleaned when the dirty part is at least
 *    `min.cleanable.dirty.ratio` of the cleanable bytes.
 * 2. The offset map takes each key's latest offset in the dirty part, batch by batch, until the
 *    part ends or the map is full; the next pass starts where this one's map ended.
 * 3. Segments from the start of the log up to the map's end are rewritten in groups that fit in
 *    `segment.bytes`: a record stays unless a later record of its key exists, and a tombstone (null
 *    value) stays unless its segment is older than the delete horizon. The horizon is the newest
 *    record time of the last segment already clean minus `delete.retention.ms` (Kafka compares
 *    segment file times; record times stand in for them here, so that the simulation, whose storage
 *    has no file times, behaves the same). Offsets never change; records without a key are dropped,
 *    as Kafka's cleaner drops them.
 * 4. Each group is swapped in atomically: written as `<base>.log.cleaned` (and its index), synced,
 *    renamed to `.swap` (the commit point), the old segments deleted, and the swap renamed to
 *    `<base>.log`. A crash anywhere leaves either the old segments or a complete swap, which
 *    opening the log finishes (swap-recovery.ts).
 */
import type { Logger } from '../../common/logger.js';
import { lastOffsetOf, nextOffsetOf, readBatchHeader, type BatchHeader } from '../batch/layout.js';
import { openRecords } from '../batch/read.js';
import type { BatchRecord } from '../batch/records.js';
import type { LogConfig } from '../config.js';
import { loadTrustedSegment } from '../recovery/trusted-segment.js';
import { recoverSegment } from '../recovery/segment-recovery.js';
import { walkBatchHeaders } from '../segment/batch-walk.js';
import { CLEANED_SUFFIX, SWAP_SUFFIX, indexFilePath, logFilePath } from '../segment/file-names.js';
import { LogSegment, type SegmentSettings } from '../segment/log-segment.js';
import type { SegmentList } from '../segment/segment-list.js';
import type { Storage } from '../storage/storage.js';
import { filterBatch } from './filter-batch.js';
import { OffsetMap } from './offset-map.js';
import { forEachBatch } from './segment-batches.js';

/** Offsets within a segment are int32 deltas from its base offset. */
const MAX_RELATIVE_OFFSET = 0x7fff_ffff;
/** Cleaned batches are written to the new segment in appends of about this size. */
const WRITE_BUFFER_BYTES = 1024 * 1024;

export interface CleanableLog {
  readonly storage: Storage;
  readonly dir: string;
  readonly settings: SegmentSettings;
  readonly segments: SegmentList;
  readonly logStartOffset: number;
  readonly config: Pick<LogConfig, 'segmentBytes' | 'deleteRetentionMs' | 'minCleanableDirtyRatio' | 'indexIntervalBytes'>;
  readonly logger?: Logger | undefined;
}

export interface CleanOptions {
  /** Wall-clock time, for segment.ms-style ages of the swapped-in segments. */
  readonly nowMs: number;
  /** Nothing at or above this offset is read into the map (the high watermark). */
  readonly upperBoundOffset: number;
  /** Where the previous pass stopped (the cleaner checkpoint); the log start when there is none. */
  readonly firstDirtyOffset: number;
  /** log.cleaner.dedupe.buffer.size */
  readonly dedupeBufferBytes: number;
  /** Clean whatever the dirty ratio (tests, and an operator's explicit request). */
  readonly force?: boolean;
}

export interface CleanStats {
  readonly firstDirtyOffset: number;
  /** Where the next pass starts: the end of this pass's offset map. */
  readonly nextDirtyOffset: number;
  readonly dirtyRatio: number;
  readonly segmentsCleaned: number;
  readonly segmentsWritten: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly recordsRead: number;
  readonly recordsKept: number;
  /** Distinct keys the map took, and what it could hold. */
  readonly mapKeys: number;
  readonly mapCapacity: number;
}

/** Cleans the log once; undefined when there is nothing worth cleaning. */
export function cleanLog(log: CleanableLog, options: CleanOptions): CleanStats | undefined {
  const segments = [...log.segments.all()];
  let cleanable = 0;
  while (cleanable < segments.length - 1 && segments[cleanable]!.nextOffset() <= options.upperBoundOffset) cleanable++;
  if (cleanable === 0) return undefined;
  const cleanableEnd = segments[cleanable - 1]!.nextOffset();
  const firstDirty = Math.min(Math.max(options.firstDirtyOffset, log.logStartOffset), cleanableEnd);

  let dirtyBytes = 0;
  let cleanBytes = 0;
  for (let i = 0; i < cleanable; i++) {
    if (segments[i]!.nextOffset() <= firstDirty) cleanBytes += segments[i]!.sizeBytes();
    else dirtyBytes += segments[i]!.sizeBytes();
  }
  const dirtyRatio = dirtyBytes / (dirtyBytes + cleanBytes);
  if (dirtyBytes === 0 || (!options.force && dirtyRatio < log.config.minCleanableDirtyRatio)) return undefined;

  const map = new OffsetMap(options.dedupeBufferBytes, dirtyBytes);
  const mapEnd = buildOffsetMap(segments.slice(0, cleanable), firstDirty, cleanableEnd, map);
  if (mapEnd <= firstDirty) {
    log.logger?.warn({ firstDirty, mapCapacity: map.capacity }, 'the cleaner cannot fit one batch of keys in log.cleaner.dedupe.buffer.size; not cleaning');
    return undefined;
  }

  const lastClean = segments.slice(0, cleanable).findLast((s) => s.nextOffset() <= firstDirty);
  const deleteHorizonMs = lastClean ? lastClean.maxTimestampMs() - log.config.deleteRetentionMs : Number.NEGATIVE_INFINITY;
  const producersLastBatch = lastBatchOfEachProducer(segments);

  let toClean = 0;
  while (toClean < cleanable && segments[toClean]!.baseOffset < mapEnd) toClean++;
  const groups = groupBySize(segments.slice(0, toClean), log.config.segmentBytes);
  const totals = { bytesRead: 0, bytesWritten: 0, recordsRead: 0, recordsKept: 0 };
  // Last group first, so the list indexes of the groups before it stay put.
  let groupStart = toClean;
  for (let g = groups.length - 1; g >= 0; g--) {
    const group = groups[g]!;
    groupStart -= group.length;
    const cleaned = cleanGroup(log, group, options.nowMs, segments[groupStart + group.length]?.baseOffset, (segment, record) => {
      if (!record.key) return false;
      const latest = map.get(record.key);
      if (latest !== undefined && record.offset < latest) return false;
      return record.value !== null || segment.maxTimestampMs() > deleteHorizonMs;
    }, producersLastBatch, totals);
    log.segments.replace(groupStart, group.length, cleaned);
  }
  return {
    firstDirtyOffset: firstDirty,
    nextDirtyOffset: mapEnd,
    dirtyRatio,
    segmentsCleaned: toClean,
    segmentsWritten: groups.length,
    ...totals,
    mapKeys: map.size,
    mapCapacity: map.capacity,
  };
}

/**
 * Fills `map` with the latest offset of each key in [firstDirty, end), a whole batch at a time;
 * returns the offset it got to (`end` unless the map filled up first).
 */
function buildOffsetMap(segments: readonly LogSegment[], firstDirty: number, end: number, map: OffsetMap): number {
  let reached = firstDirty;
  for (const segment of segments) {
    if (segment.nextOffset() <= firstDirty) continue;
    let full = false;
    forEachBatch(segment, (batch, header) => {
      if (lastOffsetOf(header) < firstDirty || header.recordCount === 0) return true;
      if (!map.hasRoomFor(header.recordCount)) {
        full = true;
        reached = Math.max(reached, header.baseOffset);
        return false;
      }
      const walker = openRecords(batch, 0);
      for (let record = walker.next(); record !== undefined; record = walker.next()) {
        if (record.offset >= firstDirty && record.key) map.put(record.key, record.offset);
      }
      reached = nextOffsetOf(header);
      return true;
    });
    if (full) return reached;
  }
  return end;
}

/** The base offset of each producer's last batch in the whole log: the batch that carries its state. */
function lastBatchOfEachProducer(segments: readonly LogSegment[]): Map<number, number> {
  const last = new Map<number, number>();
  for (const segment of segments) {
    walkBatchHeaders(segment.log, 0, segment.sizeBytes(), (header) => {
      if (header.producerId >= 0) last.set(header.producerId, header.baseOffset);
      return true;
    });
  }
  return last;
}

/** Consecutive segments whose bytes fit together in one segment (each group at least one). */
function groupBySize(segments: readonly LogSegment[], segmentBytes: number): LogSegment[][] {
  const groups: LogSegment[][] = [];
  let current: LogSegment[] = [];
  let bytes = 0;
  for (const segment of segments) {
    const fits = current.length > 0 && bytes + segment.sizeBytes() <= segmentBytes && segment.nextOffset() - 1 - current[0]!.baseOffset <= MAX_RELATIVE_OFFSET;
    if (!fits && current.length > 0) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(segment);
    bytes += segment.sizeBytes();
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

type Totals = { bytesRead: number; bytesWritten: number; recordsRead: number; recordsKept: number };

/** Writes the group's kept records into one new segment and swaps it in for the group. */
function cleanGroup(
  log: CleanableLog,
  group: readonly LogSegment[],
  nowMs: number,
  nextSegmentBase: number | undefined,
  keep: (segment: LogSegment, record: BatchRecord) => boolean,
  producersLastBatch: ReadonlyMap<number, number>,
  totals: Totals,
): LogSegment {
  const { storage, dir, settings } = log;
  const base = group[0]!.baseOffset;
  const out = LogSegment.create(storage, dir, base, settings, CLEANED_SUFFIX);
  let pending: Buffer[] = [];
  let pendingHeaders: BatchHeader[] = [];
  let pendingBytes = 0;
  const flushPending = (): void => {
    if (pendingHeaders.length === 0) return;
    out.append(Buffer.concat(pending, pendingBytes), pendingHeaders, nowMs);
    totals.bytesWritten += pendingBytes;
    pending = [];
    pendingHeaders = [];
    pendingBytes = 0;
  };
  try {
    group.forEach((segment, i) => {
      const lastSegment = i === group.length - 1;
      forEachBatch(segment, (batch, header, position) => {
        totals.bytesRead += batch.length;
        // The group's last batch marks where it ends; a producer's last batch carries its state.
        const keepIfEmpty = (lastSegment && position + batch.length === segment.sizeBytes()) || (header.producerId >= 0 && producersLastBatch.get(header.producerId) === header.baseOffset);
        const outcome = filterBatch(batch, header, (record) => keep(segment, record), keepIfEmpty);
        totals.recordsRead += outcome.recordsRead;
        totals.recordsKept += outcome.recordsKept;
        if (outcome.bytes === undefined) return true;
        // The view into the read chunk is copied: the chunk is reused for the next batches.
        const bytes = outcome.bytes === batch ? Buffer.from(batch) : outcome.bytes;
        pending.push(bytes);
        // A batch kept whole keeps its header; a rewritten one has a new size and CRC.
        pendingHeaders.push(outcome.bytes === batch ? header : readBatchHeader(bytes, 0));
        pendingBytes += bytes.length;
        if (pendingBytes >= WRITE_BUFFER_BYTES) flushPending();
        return true;
      });
    });
    flushPending();
    out.flush();
  } finally {
    out.close();
  }

  // The commit point is the rename of the log file to .swap; the index goes first.
  storage.rename(indexFilePath(dir, base, CLEANED_SUFFIX), indexFilePath(dir, base, SWAP_SUFFIX));
  storage.rename(logFilePath(dir, base, CLEANED_SUFFIX), logFilePath(dir, base, SWAP_SUFFIX));
  storage.syncDir(dir);
  for (const segment of group) segment.delete();
  storage.syncDir(dir);
  storage.rename(indexFilePath(dir, base, SWAP_SUFFIX), indexFilePath(dir, base));
  storage.rename(logFilePath(dir, base, SWAP_SUFFIX), logFilePath(dir, base));
  storage.syncDir(dir);
  return openSwapped(log, base, nextSegmentBase, nowMs);
}

/** Opens a segment just swapped in, trusting its fresh index when it checks out. */
export function openSwapped(log: Pick<CleanableLog, 'storage' | 'dir' | 'settings' | 'config'>, base: number, nextSegmentBase: number | undefined, nowMs: number): LogSegment {
  const segment = LogSegment.open(log.storage, log.dir, base, log.settings);
  if (loadTrustedSegment(segment, nextSegmentBase, log.config.indexIntervalBytes, nowMs) !== undefined) {
    const result = recoverSegment(segment, () => undefined);
    segment.setLoadedEnd(result.nextOffset, nowMs);
  }
  return segment;
}
