/**
 * Reading every batch of a segment with its bytes, a chunk of the file at a time (one read per
 * megabyte, not per batch), for the cleaner's two passes. The bytes were validated when they were
 * appended or recovered; a length that does not fit is a storage error.
 */
import { errors } from '../../common/errors.js';
import { BATCH_HEADER_SIZE, BATCH_LENGTH_OFFSET, LOG_OVERHEAD, readBatchHeader, type BatchHeader } from '../batch/layout.js';
import type { LogSegment } from '../segment/log-segment.js';

const CHUNK_BYTES = 1024 * 1024;

/** Calls `visit` with each batch (a view valid only during the call) until the end or until it returns false. */
export function forEachBatch(segment: LogSegment, visit: (batch: Buffer, header: BatchHeader, position: number) => boolean): void {
  const end = segment.sizeBytes();
  let position = 0;
  let chunk: Buffer = Buffer.alloc(0);
  let chunkStart = 0;
  while (position < end) {
    if (position + BATCH_HEADER_SIZE > chunkStart + chunk.length) {
      chunkStart = position;
      chunk = segment.log.read(position, Math.min(CHUNK_BYTES, end - position));
    }
    const size = chunk.length - (position - chunkStart) >= BATCH_HEADER_SIZE ? chunk.readInt32BE(position - chunkStart + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD : -1;
    if (size < BATCH_HEADER_SIZE || position + size > end) {
      throw errors.kafkaStorageError(`${segment.log.path}: batch at byte ${position} has length ${size}, which does not fit the segment`);
    }
    if (position + size > chunkStart + chunk.length) {
      chunkStart = position;
      chunk = segment.log.read(position, Math.max(size, Math.min(CHUNK_BYTES, end - position)));
    }
    const local = position - chunkStart;
    if (!visit(chunk.subarray(local, local + size), readBatchHeader(chunk, local), position)) return;
    position += size;
  }
}
