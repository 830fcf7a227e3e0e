/**
 * Walking the batches of a segment file header by header, reading the file in chunks rather than
 * one small read per batch. Used on paths that trust the bytes (they were validated on append or by
 * recovery): finding where an offset lives, and cutting a read at whole batches. A header whose
 * length cannot be right means the trusted region was damaged underneath us: that is a storage
 * error, not something to skip over.
 */
import { errors } from '../../common/errors.js';
import { BATCH_HEADER_SIZE, BATCH_LENGTH_OFFSET, LOG_OVERHEAD, readBatchHeader, type BatchHeader } from '../batch/layout.js';
import type { StorageFile } from '../storage/storage.js';

/**
 * Bytes read per chunk while walking headers of small batches. The first read takes only one
 * header (an index lookup usually lands on the very batch wanted), and past large batches each read
 * takes only the next header: reading whole chunks there would read the whole segment.
 */
const WALK_CHUNK_BYTES = 16 * 1024;
const LARGE_BATCH_BYTES = WALK_CHUNK_BYTES / 8;

export interface LocatedBatch {
  readonly position: number;
  readonly header: BatchHeader;
}

/**
 * Calls `visit` with each batch header from `startPosition` (a batch start) until `endPosition`
 * or until `visit` returns false.
 */
export function walkBatchHeaders(
  file: StorageFile,
  startPosition: number,
  endPosition: number,
  visit: (header: BatchHeader, position: number) => boolean,
): void {
  let position = startPosition;
  let chunk: Buffer = Buffer.alloc(0);
  let chunkStart = 0;
  let nextChunkBytes = BATCH_HEADER_SIZE;
  while (position < endPosition) {
    if (position + BATCH_HEADER_SIZE > chunkStart + chunk.length) {
      chunkStart = position;
      chunk = file.read(position, Math.min(nextChunkBytes, endPosition - position));
      if (chunk.length < BATCH_HEADER_SIZE) throw corruptSegment(file, position, 'batch header cut short');
    }
    const local = position - chunkStart;
    const sizeInBytes = chunk.readInt32BE(local + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    if (sizeInBytes < BATCH_HEADER_SIZE || position + sizeInBytes > endPosition) {
      throw corruptSegment(file, position, `batch length ${sizeInBytes} does not fit`);
    }
    if (!visit(readBatchHeader(chunk, local), position)) return;
    position += sizeInBytes;
    nextChunkBytes = sizeInBytes >= LARGE_BATCH_BYTES ? BATCH_HEADER_SIZE : WALK_CHUNK_BYTES;
  }
}

/**
 * How many bytes at the front of `buf` (read from a batch start) hold whole batches that end below
 * `maxOffsetExclusive`, and the header of the last of them.
 */
export function wholeBatchesLength(buf: Buffer, maxOffsetExclusive: number): { bytes: number; last: BatchHeader | undefined } {
  let position = 0;
  let last: BatchHeader | undefined;
  while (position + BATCH_HEADER_SIZE <= buf.length) {
    const header = readBatchHeader(buf, position);
    if (header.sizeInBytes < BATCH_HEADER_SIZE) throw errors.kafkaStorageError(`batch length ${header.sizeInBytes} in a trusted region`);
    if (position + header.sizeInBytes > buf.length) break;
    if (header.baseOffset + header.lastOffsetDelta >= maxOffsetExclusive) break;
    last = header;
    position += header.sizeInBytes;
  }
  return { bytes: position, last };
}

export function corruptSegment(file: StorageFile, position: number, detail: string): Error {
  return errors.kafkaStorageError(`${file.path} is damaged at byte ${position}: ${detail}`, { path: file.path, position });
}
