/**
 * One segment of a partition log: a `.log` file of whole batches back to back, starting at
 * `baseOffset`, and its sparse `.index`. The segment appends batches it is given (already
 * validated and stamped), finds where an offset lives, reads whole batches, and truncates.
 *
 * Invariants: no batch starts below `baseOffset`; every batch starts where the previous one ended
 * in bytes, and at or above where it ended in offsets (a cleaned segment has gaps where whole
 * batches were compacted away); `nextOffset` is the offset after the last batch, or where a
 * truncation set it.
 */
import { assert, errors } from '../../common/errors.js';
import { lastOffsetOf, nextOffsetOf, type BatchHeader } from '../batch/layout.js';
import type { LogReadResult } from '../types.js';
import type { Storage, StorageFile } from '../storage/storage.js';
import { indexFilePath, logFilePath } from './file-names.js';
import { OffsetIndex, INDEX_ENTRY_BYTES } from './offset-index.js';
import { walkBatchHeaders, wholeBatchesLength, type LocatedBatch } from './batch-walk.js';

/** Kafka's value for "no timestamp". */
export const NO_TIMESTAMP = -1;

export interface SegmentSettings {
  indexIntervalBytes: number;
  segmentIndexBytes: number;
}

export class LogSegment {
  private nextOffsetValue: number;
  private bytesSinceLastIndexEntry = 0;
  /** Largest batch max-timestamp in the segment, undefined until computed after a load or truncation. */
  private maxTimestampValue: number | undefined;
  /** Clock time of the first append (or of loading a non-empty segment): segment.ms counts from it. */
  rollStartMs: number | undefined;

  private constructor(
    private readonly storage: Storage,
    private readonly dir: string,
    readonly baseOffset: number,
    readonly log: StorageFile,
    readonly index: OffsetIndex,
    private readonly settings: SegmentSettings,
  ) {
    this.nextOffsetValue = baseOffset;
    this.maxTimestampValue = NO_TIMESTAMP;
  }

  /**
   * Opens the segment files at `baseOffset`, creating them if missing; the caller establishes its
   * contents. A `suffix` opens a cleaned segment's files under their temporary names.
   */
  static open(storage: Storage, dir: string, baseOffset: number, settings: SegmentSettings, suffix = ''): LogSegment {
    const log = storage.open(logFilePath(dir, baseOffset, suffix));
    let indexFile;
    try {
      indexFile = storage.open(indexFilePath(dir, baseOffset, suffix));
    } catch (e) {
      log.close();
      throw e;
    }
    const maxEntries = Math.floor(settings.segmentIndexBytes / INDEX_ENTRY_BYTES);
    return new LogSegment(storage, dir, baseOffset, log, new OffsetIndex(indexFile, baseOffset, maxEntries), settings);
  }

  /** A new, empty segment; leftovers of an older segment with the same name are discarded. */
  static create(storage: Storage, dir: string, baseOffset: number, settings: SegmentSettings, suffix = ''): LogSegment {
    const segment = LogSegment.open(storage, dir, baseOffset, settings, suffix);
    segment.log.truncate(0);
    segment.index.reset();
    return segment;
  }

  sizeBytes(): number {
    return this.log.sizeBytes();
  }

  nextOffset(): number {
    return this.nextOffsetValue;
  }

  isEmpty(): boolean {
    return this.log.sizeBytes() === 0;
  }

  /**
   * Appends `bytes`, which hold exactly the batches described by `batches`, back to back, starting
   * at this segment's next offset.
   */
  append(bytes: Buffer, batches: readonly BatchHeader[], nowMs: number): void {
    assert(batches.length > 0 && batches[0]!.baseOffset >= this.nextOffsetValue, `append at ${batches[0]?.baseOffset} to a segment ending at ${this.nextOffsetValue}`);
    const startPosition = this.log.sizeBytes();
    this.log.append(bytes);
    let position = startPosition;
    for (const header of batches) {
      this.noteBatch(header, position);
      position += header.sizeInBytes;
    }
    assert(position - startPosition === bytes.length, `batch sizes ${position - startPosition} differ from ${bytes.length} bytes appended`);
    this.nextOffsetValue = nextOffsetOf(batches[batches.length - 1]!);
    this.rollStartMs ??= nowMs;
  }

  /**
   * Accounts for a batch at `position` that is already in the file: index entry every
   * `indexIntervalBytes` (the first batch never needs one: a lookup falls back to position 0),
   * timestamps. Used by append and by recovery while it rebuilds the index.
   */
  noteBatch(header: BatchHeader, position: number): void {
    if (this.bytesSinceLastIndexEntry > this.settings.indexIntervalBytes && !this.index.isFull()) {
      this.index.append(header.baseOffset, position);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += header.sizeInBytes;
    if (this.maxTimestampValue !== undefined && header.maxTimestamp > this.maxTimestampValue) this.maxTimestampValue = header.maxTimestamp;
  }

  /** Sets what a load established: where the segment ends; the max timestamp is computed on demand. */
  setLoadedEnd(nextOffset: number, nowMs: number): void {
    assert(nextOffset >= this.baseOffset, `segment ${this.baseOffset} cannot end at ${nextOffset}`);
    this.nextOffsetValue = nextOffset;
    this.maxTimestampValue = this.isEmpty() ? NO_TIMESTAMP : undefined;
    this.rollStartMs = this.isEmpty() ? undefined : nowMs;
    this.resumeIndexSpacing();
  }

  /**
   * Picks the index spacing up where the file leaves it: the bytes since the last entry's batch
   * started (or since the segment start), so later entries land where a rebuild would put them.
   */
  private resumeIndexSpacing(): void {
    this.bytesSinceLastIndexEntry = this.log.sizeBytes() - (this.index.lastEntry()?.position ?? 0);
  }

  /** Resets the index and timestamps before recovery re-notes every batch. */
  startRebuild(): void {
    this.index.reset();
    this.bytesSinceLastIndexEntry = 0;
    this.maxTimestampValue = NO_TIMESTAMP;
  }

  /** The first batch holding an offset >= `offset`, or undefined when the segment ends before it. */
  locate(offset: number): LocatedBatch | undefined {
    if (offset >= this.nextOffsetValue) return undefined;
    const start = this.index.lookup(offset);
    // An index entry names its batch's base offset exactly; without one the walk starts at the
    // segment's first batch, which lies above the base offset when compaction removed the first.
    const exact = start.position > 0;
    let found: LocatedBatch | undefined;
    let first = true;
    walkBatchHeaders(this.log, start.position, this.log.sizeBytes(), (header, position) => {
      if (first && (exact ? header.baseOffset !== start.offset : header.baseOffset < start.offset)) {
        throw errors.kafkaStorageError(`${this.log.path}: index points at offset ${start.offset} but byte ${position} holds ${header.baseOffset}`);
      }
      first = false;
      if (lastOffsetOf(header) < offset) return true;
      found = { position, header };
      return false;
    });
    return found;
  }

  /**
   * Whole batches from the one holding `startOffset`: at least one (KIP-74) unless the first ends at
   * or past `maxOffset`, then more while they fit in `maxBytes` and end below `maxOffset`.
   * Undefined when the segment ends before `startOffset`.
   */
  read(startOffset: number, maxBytes: number, maxOffset: number): LogReadResult | undefined {
    const first = this.locate(startOffset);
    if (!first) return undefined;
    if (lastOffsetOf(first.header) >= maxOffset) return { records: Buffer.alloc(0), firstBatchOffset: startOffset, nextOffset: startOffset };
    let endPosition = this.log.sizeBytes();
    if (maxOffset < this.nextOffsetValue) endPosition = this.locate(maxOffset)?.position ?? endPosition;
    const wanted = Math.min(endPosition - first.position, Math.max(maxBytes, first.header.sizeInBytes));
    const bytes = this.log.read(first.position, wanted);
    const { bytes: wholeBytes, last } = wholeBatchesLength(bytes, maxOffset);
    assert(last !== undefined && wholeBytes > 0, `read at ${startOffset} found no whole batch in ${bytes.length} bytes`);
    return { records: bytes.subarray(0, wholeBytes), firstBatchOffset: first.header.baseOffset, nextOffset: nextOffsetOf(last) };
  }

  /**
   * Removes every batch holding an offset >= `offset` (so a batch straddling it goes entirely).
   * Returns the bytes removed.
   */
  truncateTo(offset: number): number {
    const cut = this.locate(offset);
    if (!cut) return 0;
    const removed = this.log.sizeBytes() - cut.position;
    this.index.truncateTo(cut.header.baseOffset);
    this.log.truncate(cut.position);
    // In a gap (a compacted log) the cut batch starts above `offset`: the segment now ends at it.
    this.nextOffsetValue = Math.min(cut.header.baseOffset, Math.max(offset, this.baseOffset));
    this.resumeIndexSpacing();
    this.maxTimestampValue = this.isEmpty() ? NO_TIMESTAMP : undefined;
    if (this.isEmpty()) this.rollStartMs = undefined;
    return removed;
  }

  /** Largest record timestamp in the segment (NO_TIMESTAMP if empty); computed once after a load. */
  maxTimestampMs(): number {
    if (this.maxTimestampValue === undefined) {
      let max = NO_TIMESTAMP;
      walkBatchHeaders(this.log, 0, this.log.sizeBytes(), (header) => {
        if (header.maxTimestamp > max) max = header.maxTimestamp;
        return true;
      });
      this.maxTimestampValue = max;
    }
    return this.maxTimestampValue;
  }

  /** Makes the log durable and, unless told otherwise, the index too. */
  flush(includeIndex = true): void {
    this.log.sync();
    if (includeIndex) this.index.sync();
  }

  close(): void {
    try {
      this.index.close();
    } finally {
      this.log.close();
    }
  }

  /** Closes and deletes both files. */
  delete(): void {
    this.close();
    this.storage.remove(logFilePath(this.dir, this.baseOffset));
    this.storage.remove(indexFilePath(this.dir, this.baseOffset));
  }
}
