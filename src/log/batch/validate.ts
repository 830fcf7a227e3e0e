/**
 * Full validation of batches: the header checks of layout.ts plus decoding every record. Whatever
 * the input bytes, the outcome is a header or a BrokerError: CORRUPT_MESSAGE when the bytes are
 * damaged (CRC, lengths, counts), INVALID_RECORD when they are intact but break a rule Kafka's
 * LogValidator enforces on produce (offset deltas, one batch per produce, no control batches).
 */
import { errors, type BrokerError } from '../../common/errors.js';
import { CONTROL_FLAG, NO_PRODUCER_ID, validateBatchHeader, type BatchHeader } from './layout.js';
import { openRecords, type ReadOptions } from './read.js';

export interface ValidateOptions extends ReadOptions {
  /** Batches larger than this fail with MESSAGE_TOO_LARGE. */
  maxBatchBytes?: number;
  /** A record without a key is INVALID_RECORD (a compacted topic: the cleaner keeps the latest record per key). */
  requireKeys?: boolean;
}

export interface ValidatedBatch {
  header: BatchHeader;
  /**
   * The largest record timestamp, from the records themselves; the header's maxTimestamp is only
   * the producer's claim. Equal to the base timestamp when the batch has no records.
   */
  maxRecordTimestamp: number;
}

/**
 * Validates the batch at `pos` as stored or replicated: CRC, structure, and offset deltas that
 * increase within [0, lastOffsetDelta] (gaps are legal, as compaction leaves them).
 */
export function validateBatch(buf: Buffer, pos = 0, options: ValidateOptions = {}): ValidatedBatch {
  const header = validateBatchHeader(buf, pos, options.maxBatchBytes);
  const maxRecordTimestamp = walkRecords(buf, pos, header, options, (offsetDelta, previous) =>
    offsetDelta <= previous || offsetDelta > header.lastOffsetDelta
      ? errors.corruptMessage(`offset delta ${offsetDelta} after ${previous} outside [0, ${header.lastOffsetDelta}]`)
      : undefined,
  );
  return { header, maxRecordTimestamp };
}

/**
 * Validates a batch a producer sent, before the leader stamps it: `buf` must hold exactly one valid
 * batch whose records carry offset deltas 0..n-1 and whose lastOffsetDelta is n-1.
 */
export function validateProducedBatch(buf: Buffer, options: ValidateOptions = {}): ValidatedBatch {
  const header = validateBatchHeader(buf, 0, options.maxBatchBytes);
  if (header.sizeInBytes !== buf.length) {
    throw errors.invalidRecord(`produce data holds ${buf.length} bytes, its one batch ${header.sizeInBytes}`);
  }
  if (header.attributes & CONTROL_FLAG) throw errors.invalidRecord('clients may not write control batches');
  if (header.recordCount === 0) throw errors.invalidRecord('a produced batch must hold at least one record');
  if (header.lastOffsetDelta !== header.recordCount - 1) {
    throw errors.invalidRecord(`last offset delta ${header.lastOffsetDelta} does not match ${header.recordCount} records`);
  }
  if (header.producerId !== NO_PRODUCER_ID && header.baseSequence < 0) {
    throw errors.invalidRecord(`invalid base sequence ${header.baseSequence} for producer id ${header.producerId}`);
  }
  const maxRecordTimestamp = walkRecords(buf, 0, header, options, (offsetDelta, previous) =>
    offsetDelta !== previous + 1 ? errors.invalidRecord(`record ${previous + 1} has offset delta ${offsetDelta}`) : undefined,
  );
  return { header, maxRecordTimestamp };
}

/** Judges one record's offset delta given the previous one (-1 before the first). */
type OffsetDeltaRule = (offsetDelta: number, previous: number) => BrokerError | undefined;

/** Decodes every record, applying `rule` to the offset deltas; returns the largest timestamp. */
function walkRecords(buf: Buffer, pos: number, header: BatchHeader, options: ValidateOptions, rule: OffsetDeltaRule): number {
  const walker = openRecords(buf, pos, options);
  let maxTimestamp = header.recordCount === 0 ? header.baseTimestamp : Number.NEGATIVE_INFINITY;
  let previousDelta = -1;
  for (let record = walker.nextShape(); record !== undefined; record = walker.nextShape()) {
    const offsetDelta = record.offset - header.baseOffset;
    const error = rule(offsetDelta, previousDelta);
    if (error) throw error;
    previousDelta = offsetDelta;
    if (record.timestamp > maxTimestamp) maxTimestamp = record.timestamp;
    if (options.requireKeys && !record.hasKey) throw errors.invalidRecord('a compacted topic cannot accept a record without a key');
  }
  return maxTimestamp;
}
