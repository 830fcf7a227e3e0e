/**
 * Recovery of one segment after an unclean shutdown, as Kafka's LogSegment.recover does: read every
 * batch, check its length, magic and CRC and that its offsets start at or after where the previous
 * batch ended (compaction leaves gaps), rebuild the index and timestamps from the batches that pass, and cut the file at the
 * first byte that does not belong to a valid batch.
 */
import { isBrokerError } from '../../common/errors.js';
import { BATCH_HEADER_SIZE, BATCH_LENGTH_OFFSET, LOG_OVERHEAD, nextOffsetOf, validateBatchHeader, type BatchHeader } from '../batch/layout.js';
import type { LogSegment } from '../segment/log-segment.js';

/** Bytes read per chunk while scanning; a larger batch is read whole. */
const SCAN_CHUNK_BYTES = 1024 * 1024;

export interface SegmentRecoveryResult {
  /** Bytes of valid batches from the start of the segment. */
  validBytes: number;
  /** Offset after the last valid batch. */
  nextOffset: number;
  /** Bytes cut from the end of the file. */
  truncatedBytes: number;
  /** Why the scan stopped early, if it did. */
  reason?: string;
}

/**
 * Scans `segment` from its first byte, rebuilding its index and calling `onBatch` for each valid
 * batch in order, and truncates the file after the last valid batch.
 */
export function recoverSegment(segment: LogSegment, onBatch: (header: BatchHeader) => void): SegmentRecoveryResult {
  segment.startRebuild();
  const file = segment.log;
  const fileBytes = file.sizeBytes();
  let position = 0;
  let expectedOffset = segment.baseOffset;
  let reason: string | undefined;
  let chunk: Buffer = Buffer.alloc(0);
  let chunkStart = 0;

  while (position < fileBytes) {
    const remaining = fileBytes - position;
    if (remaining < LOG_OVERHEAD) {
      reason = `${remaining} trailing bytes, less than a batch header`;
      break;
    }
    if (position + LOG_OVERHEAD > chunkStart + chunk.length) {
      chunkStart = position;
      chunk = file.read(position, Math.min(SCAN_CHUNK_BYTES, remaining));
    }
    const sizeInBytes = chunk.readInt32BE(position - chunkStart + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    if (sizeInBytes < BATCH_HEADER_SIZE || sizeInBytes > remaining) {
      reason = `batch length ${sizeInBytes} at byte ${position} does not fit in the ${remaining} bytes left`;
      break;
    }
    if (position + sizeInBytes > chunkStart + chunk.length) {
      chunkStart = position;
      chunk = file.read(position, Math.min(Math.max(SCAN_CHUNK_BYTES, sizeInBytes), remaining));
    }
    const header = checkBatch(chunk, position - chunkStart, expectedOffset);
    if (typeof header === 'string') {
      reason = `${header} at byte ${position}`;
      break;
    }
    segment.noteBatch(header, position);
    onBatch(header);
    expectedOffset = nextOffsetOf(header);
    position += sizeInBytes;
  }

  const truncatedBytes = fileBytes - position;
  if (truncatedBytes > 0) file.truncate(position);
  const result: SegmentRecoveryResult = { validBytes: position, nextOffset: expectedOffset, truncatedBytes };
  if (reason !== undefined) result.reason = reason;
  return result;
}

/** The header of the valid batch at `pos`, or why it is not valid. */
function checkBatch(buf: Buffer, pos: number, expectedOffset: number): BatchHeader | string {
  let header: BatchHeader;
  try {
    header = validateBatchHeader(buf, pos);
  } catch (e) {
    if (isBrokerError(e)) return e.message;
    throw e;
  }
  if (header.baseOffset < expectedOffset) return `batch base offset ${header.baseOffset} below ${expectedOffset}, where the previous batch ended`;
  return header;
}
