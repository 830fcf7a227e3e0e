/**
 * Rewriting one stored batch with only the records the cleaner keeps, as Kafka's
 * MemoryRecords.filterTo does for v2 batches: the batch keeps its base offset, last offset delta,
 * leader epoch, producer id, epoch and base sequence, compression and timestamp type; the kept
 * records keep their offset deltas (so their offsets and sequence numbers) and timestamps. A batch
 * that loses every record disappears, unless the caller needs it kept as an empty batch (its header
 * alone): the last batch of a producer carries the producer's state, the last batch of a cleaned
 * group marks where the group ends. Control batches are kept whole.
 */
import { buildBatch, type RecordInput } from '../batch/build.js';
import { CompressionType, compressionOf } from '../batch/compression.js';
import {
  ATTRIBUTES_OFFSET,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  CRC_OFFSET,
  LOG_OVERHEAD,
  MAX_TIMESTAMP_OFFSET,
  RECORDS_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK,
  computeBatchCrc,
  writeInt64,
  type BatchHeader,
} from '../batch/layout.js';
import { openRecords } from '../batch/read.js';
import type { BatchRecord } from '../batch/records.js';

export interface FilterOutcome {
  /** The batch to write (the original bytes when every record stays), or undefined to drop it. */
  readonly bytes: Buffer | undefined;
  readonly recordsRead: number;
  readonly recordsKept: number;
}

/** Filters the batch in `batch` (exactly one, as stored) by `keep`. */
export function filterBatch(batch: Buffer, header: BatchHeader, keep: (record: BatchRecord) => boolean, keepIfEmpty: boolean): FilterOutcome {
  if (header.attributes & CONTROL_FLAG) return { bytes: batch, recordsRead: 0, recordsKept: 0 };
  const walker = openRecords(batch, 0);
  const kept: RecordInput[] = [];
  let read = 0;
  for (let record = walker.next(); record !== undefined; record = walker.next()) {
    read++;
    if (!keep(record)) continue;
    kept.push({ key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp, offsetDelta: record.offset - header.baseOffset });
  }
  if (kept.length === read) return { bytes: batch, recordsRead: read, recordsKept: read };
  if (kept.length === 0) return { bytes: keepIfEmpty ? emptyBatch(batch) : undefined, recordsRead: read, recordsKept: 0 };
  // Batches are rebuilt with their own codec; zstd is read but not written here, so such a batch is rewritten uncompressed.
  const attributes = compressionOf(header.attributes) === CompressionType.ZSTD ? header.attributes & ~COMPRESSION_MASK : header.attributes;
  const rebuilt = buildBatch(kept, {
    baseOffset: header.baseOffset,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    attributes,
    baseTimestamp: header.baseTimestamp,
    lastOffsetDelta: header.lastOffsetDelta,
  });
  // Under LogAppendTime the batch's max timestamp is the append time, not a record's.
  if (header.attributes & TIMESTAMP_TYPE_MASK) restampMaxTimestamp(rebuilt, header.maxTimestamp);
  return { bytes: rebuilt, recordsRead: read, recordsKept: kept.length };
}

/** The batch's header with no records (Kafka's writeEmptyHeader): uncompressed, same offsets and producer fields. */
function emptyBatch(batch: Buffer): Buffer {
  const empty = Buffer.from(batch.subarray(0, BATCH_HEADER_SIZE));
  empty.writeInt32BE(BATCH_HEADER_SIZE - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  empty.writeInt16BE(empty.readInt16BE(ATTRIBUTES_OFFSET) & ~COMPRESSION_MASK, ATTRIBUTES_OFFSET);
  empty.writeInt32BE(0, RECORDS_COUNT_OFFSET);
  empty.writeUInt32BE(computeBatchCrc(empty, 0, empty.length), CRC_OFFSET);
  return empty;
}

function restampMaxTimestamp(batch: Buffer, maxTimestamp: number): void {
  writeInt64(batch, maxTimestamp, MAX_TIMESTAMP_OFFSET);
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), CRC_OFFSET);
}
