/**
 * What the log checks before it writes anything. The leader path checks a producer's batch in full
 * (every record decoded, offsets 0..n-1, one batch, size within max.message.bytes), as Kafka's
 * LogValidator does. The follower path checks each replicated batch's length, magic and CRC, and
 * that offsets continue exactly at the log end: the leader already validated the records.
 */
import { errors } from '../common/errors.js';
import { validateBatchHeader, type BatchHeader } from './batch/layout.js';
import { validateProducedBatch } from './batch/validate.js';
import { compacts, type LogConfig } from './config.js';

export interface LeaderBatch {
  header: BatchHeader;
  /** Largest timestamp among the records themselves. */
  maxRecordTimestamp: number;
}

/** Throws CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE or RECORD_LIST_TOO_LARGE. */
export function validateLeaderBatch(batch: Buffer, config: LogConfig): LeaderBatch {
  const validated = validateProducedBatch(batch, { maxBatchBytes: config.maxMessageBytes, requireKeys: compacts(config.cleanupPolicy) });
  checkFitsInSegment(validated.header.sizeInBytes, config);
  return { header: validated.header, maxRecordTimestamp: validated.maxRecordTimestamp };
}

/**
 * Headers of the batches in `batches`, which must lie back to back with offsets increasing from
 * `logEndOffset` on. Gaps are legal, as in Kafka: a compacted leader's log has them where the
 * cleaner removed whole batches. Throws CORRUPT_MESSAGE (damaged or torn bytes, offsets going
 * backwards) or RECORD_LIST_TOO_LARGE (a batch bigger than a segment).
 */
export function validateFollowerBatches(batches: Buffer, logEndOffset: number, config: LogConfig): BatchHeader[] {
  const headers: BatchHeader[] = [];
  let position = 0;
  let expectedOffset = logEndOffset;
  while (position < batches.length) {
    const header = validateBatchHeader(batches, position);
    checkFitsInSegment(header.sizeInBytes, config);
    if (header.baseOffset < expectedOffset) {
      throw errors.corruptMessage(`replicated batch at offset ${header.baseOffset} below the log's next offset ${expectedOffset}`, {
        expectedOffset,
        baseOffset: header.baseOffset,
      });
    }
    headers.push(header);
    expectedOffset = header.baseOffset + header.lastOffsetDelta + 1;
    position += header.sizeInBytes;
  }
  return headers;
}

function checkFitsInSegment(sizeInBytes: number, config: LogConfig): void {
  if (sizeInBytes > config.segmentBytes) {
    throw errors.recordListTooLarge(`batch of ${sizeInBytes} bytes exceeds segment.bytes ${config.segmentBytes}`);
  }
}
