/**
 * Loading a segment that lies below the recovery point (or any segment after a clean shutdown),
 * whose batches are known durable and valid, without reading all of it: load its index and check
 * it is plausible, check the first and last index entries point at batches with those offsets, and
 * walk the headers after the last entry to find where the segment ends. Any doubt and the caller
 * recovers the segment in full instead.
 */
import { isBrokerError } from '../../common/errors.js';
import { BATCH_HEADER_SIZE, nextOffsetOf, readBatchHeader } from '../batch/layout.js';
import { walkBatchHeaders } from '../segment/batch-walk.js';
import type { IndexEntry } from '../segment/offset-index.js';
import type { LogSegment } from '../segment/log-segment.js';

/**
 * Establishes `segment`'s end from its index and tail. Returns the reason it cannot be trusted, or
 * undefined when it loaded. `nextSegmentBase` is where the following segment claims to start.
 */
export function loadTrustedSegment(
  segment: LogSegment,
  nextSegmentBase: number | undefined,
  indexIntervalBytes: number,
  nowMs: number,
): string | undefined {
  const logBytes = segment.sizeBytes();
  if (logBytes === 0) {
    if (nextSegmentBase !== undefined) return 'empty segment before the last one';
    segment.setLoadedEnd(segment.baseOffset, nowMs);
    return undefined;
  }
  if (!segment.index.loadFromFile(logBytes)) return 'offset index is malformed';
  try {
    const firstEntry = segment.index.entryCount() > 0 ? segment.index.entryAt(0) : undefined;
    if (firstEntry && !entryMatchesLog(segment, firstEntry)) return 'first index entry does not match the log';
    const nextOffset = walkTail(segment, indexIntervalBytes);
    if (typeof nextOffset === 'string') return nextOffset;
    if (nextSegmentBase !== undefined && nextOffset > nextSegmentBase) {
      return `segment ends at offset ${nextOffset} but the next one starts at ${nextSegmentBase}`;
    }
    segment.setLoadedEnd(nextOffset, nowMs);
    return undefined;
  } catch (e) {
    if (isBrokerError(e)) return e.message;
    throw e;
  }
}

function entryMatchesLog(segment: LogSegment, entry: IndexEntry): boolean {
  const bytes = segment.log.read(entry.position, BATCH_HEADER_SIZE);
  return bytes.length === BATCH_HEADER_SIZE && readBatchHeader(bytes, 0).baseOffset === entry.offset;
}

/**
 * Walks from the last index entry to the end of the file; returns the offset after the last batch,
 * or what is wrong. The index is incomplete (lost its tail, or its file went missing) when the walk
 * passes a batch that the indexing rule would have given an entry.
 */
function walkTail(segment: LogSegment, indexIntervalBytes: number): number | string {
  const start = segment.index.lastEntry() ?? { offset: segment.baseOffset, position: 0 };
  let expected = start.offset;
  let bytesSinceEntry = 0;
  let problem: string | undefined;
  walkBatchHeaders(segment.log, start.position, segment.sizeBytes(), (header, position) => {
    // An index entry names its batch exactly; otherwise offsets only have to increase (compaction leaves gaps).
    const exact = position === start.position && start.position > 0;
    if (exact ? header.baseOffset !== expected : header.baseOffset < expected) {
      problem = `batch at byte ${position} has offset ${header.baseOffset}, expected ${expected} or above`;
      return false;
    }
    if (position !== start.position && bytesSinceEntry > indexIntervalBytes && !segment.index.isFull()) {
      problem = `offset index lacks an entry for the batch at byte ${position}`;
      return false;
    }
    bytesSinceEntry += header.sizeInBytes;
    expected = nextOffsetOf(header);
    return true;
  });
  return problem ?? expected;
}
