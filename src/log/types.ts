/**
 * The contract between one replica's partition log and the layers above it (the replica manager,
 * the replica fetcher, the producer-state tracker). The log stores whole v2 record batches as
 * bytes; it is synchronous (like Kafka's, which appends under a lock) so the cores that use it stay
 * deterministic and the simulation can drive it step by step. Offsets are plain numbers.
 */
import type { BatchHeader } from './batch/layout.js';
import type { CleanStats } from './cleaner/clean-log.js';
import type { RuntimeLogSettings } from './config.js';

export type { CleanStats } from './cleaner/clean-log.js';

/** One cleaner pass's inputs from the log manager. */
export interface CleanRequest {
  readonly nowMs: number;
  /** The high watermark: no record at or above it is read into the offset map. */
  readonly upperBoundOffset?: number;
  /** log.cleaner.dedupe.buffer.size */
  readonly dedupeBufferBytes: number;
  /** Clean whatever the dirty ratio. */
  readonly force?: boolean;
}

export interface AppendInfo {
  /** Offset of the first record appended. */
  readonly firstOffset: number;
  /** Offset of the last record appended. */
  readonly lastOffset: number;
  /** Largest record timestamp of what was appended. */
  readonly maxTimestamp: number;
  /** Headers of the appended batches, as stored (with their assigned offsets). */
  readonly batches: readonly BatchHeader[];
  readonly sizeInBytes: number;
}

export interface LogReadResult {
  /** Whole batches, back to back, as stored. Empty when there is nothing to return. */
  readonly records: Buffer;
  /** Offset of the first batch returned (its base offset may be below the requested offset). */
  readonly firstBatchOffset: number;
  /** Offset after the last record returned (where the next read should start). */
  readonly nextOffset: number;
}

export interface EpochEndOffset {
  /** The largest epoch <= the requested one that this log knows, or -1 if none. */
  readonly epoch: number;
  /** The start offset of the next larger epoch, or the log end offset if `epoch` is the latest; -1 if unknown. */
  readonly endOffset: number;
}

export interface PartitionLog {
  readonly topic: string;
  readonly partition: number;
  logStartOffset(): number;
  /** Next offset to be written (LEO). */
  logEndOffset(): number;

  /**
   * Leader path: validates the batch (CRC, magic, size), assigns offsets from the LEO, stamps the
   * leader epoch, records the epoch's start offset if it is new, appends. Throws CORRUPT_MESSAGE,
   * MESSAGE_TOO_LARGE, INVALID_RECORD on bad input, writing nothing.
   */
  appendAsLeader(batch: Buffer, leaderEpoch: number): AppendInfo;

  /**
   * Follower path: appends batches already stamped by the leader (one or more, back to back), which
   * must start at the LEO. Records each new epoch's start offset in the leader-epoch cache.
   */
  appendAsFollower(batches: Buffer): AppendInfo;

  /**
   * Whole batches from the one containing `startOffset`, up to `maxBytes` (always at least one whole
   * batch if any exists, as Kafka does: KIP-74), never past `maxOffset` (exclusive; e.g. the high
   * watermark for consumers). Throws OFFSET_OUT_OF_RANGE below the log start or past the LEO.
   */
  read(startOffset: number, maxBytes: number, maxOffset?: number): LogReadResult;

  /** Removes every record at offset >= `offset` (across segments) and truncates the epoch cache. */
  truncateTo(offset: number): void;
  /** Empties the log and restarts it at `offset` (a follower far behind the leader's log start). */
  truncateFullyAndStartAt(offset: number): void;

  /** The end offset of `epoch` in this log: what a follower's last fetched epoch is checked against. */
  endOffsetForEpoch(epoch: number): EpochEndOffset;
  /** The latest epoch in the leader-epoch cache, or -1 if empty. */
  latestEpoch(): number;

  /** Raises the log start offset (DeleteRecords, or following the leader); whole segments below it go. */
  advanceLogStartOffset(offset: number): void;
  /**
   * Deletes whole old segments by size and age, none of them reaching `upperBoundOffset` (the high
   * watermark; the log end when absent); returns how many were removed.
   */
  applyRetention(nowMs: number, upperBoundOffset?: number): number;
  /**
   * One pass of the log cleaner when the topic's cleanup.policy includes compact (see
   * cleaner/clean-log.ts); undefined when the log is not compacted or not dirty enough.
   */
  clean(request: CleanRequest): CleanStats | undefined;
  /** Starts a new active segment if the current one is non-empty and older than `segment.ms`. */
  rollIfDue(): boolean;
  /** Applies changed topic configs (segment size and age, retention, message size) to the open log. */
  reconfigure(settings: Partial<RuntimeLogSettings>): void;

  /** Bytes of all segments. */
  sizeInBytes(): number;
  /** Segments the log has, the active one included. */
  segmentCount(): number;

  /** Forces everything written so far to durable storage. */
  flush(): void;
  close(): void;
}
