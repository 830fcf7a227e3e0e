/**
 * Full validation of batches: the header checks of layout.ts plus decoding every record. Whatever
 * the input bytes, the outcome is a header or a BrokerError: CORRUPT_MESSAGE when the bytes are
 * damaged (CRC, lengths, counts), INVALID_RECORD when they are intact but break a rule Kafka's
 * LogValidator enforces on produce (offset deltas, one batch per produce, no control batches).
 */
import { errors } from '../../common/errors.js';
import { CONTROL_FLAG, NO_PRODUCER_ID, validateBatchHeader, type BatchHeader } from './layout.js';
import { recordsSectionOf, type ReadOptions } from './read.js';
import { skimRecords, type SkimRules } from './record-skim.js';

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
  return { header, maxRecordTimestamp: checkRecords(buf, pos, header, options, 'increasing') };
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
  return { header, maxRecordTimestamp: checkRecords(buf, 0, header, options, 'exact') };
}

/** Checks every record of the batch at `pos`, whose header is checked; returns the largest record timestamp. */
function checkRecords(buf: Buffer, pos: number, header: BatchHeader, options: ValidateOptions, offsets: SkimRules['offsets']): number {
  const { bytes, start, end } = recordsSectionOf(buf, pos, header, options);
  return skimRecords(header, bytes, start, end, { offsets, requireKeys: options.requireKeys ?? false });
}
