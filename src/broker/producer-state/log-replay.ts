/**
 * Feeds a partition log's batches to the producer state, from a given offset to the log end, one
 * bounded read at a time: a rebuild holds one chunk of the log in memory, never the whole of it.
 */
import { assert } from '../../common/errors.js';
import { iterateBatches, nextOffsetOf, type BatchHeader } from '../../log/batch/index.js';
import type { PartitionLog } from '../../log/index.js';

export interface ReplayStats {
  readonly batches: number;
  readonly bytes: number;
}

/**
 * Calls `apply` with the header of every batch that ends after `fromOffset`, in log order, up to
 * the log end as it stood when the replay started. The first batch may start below `fromOffset`
 * when the log start lies inside it; it is applied whole, as Kafka does.
 */
export function replayLog(log: PartitionLog, fromOffset: number, chunkBytes: number, apply: (header: BatchHeader) => void): ReplayStats {
  const endOffset = log.logEndOffset();
  assert(fromOffset >= log.logStartOffset() && fromOffset <= endOffset, `replay from ${fromOffset} outside [${log.logStartOffset()}, ${endOffset}]`);
  let offset = fromOffset;
  let batches = 0;
  let bytes = 0;
  while (offset < endOffset) {
    const chunk = log.read(offset, chunkBytes, endOffset);
    assert(chunk.nextOffset > offset, `log read at ${offset} made no progress below the log end ${endOffset}`);
    for (const { header } of iterateBatches(chunk.records)) {
      if (nextOffsetOf(header) <= offset) continue;
      apply(header);
      batches++;
      bytes += header.sizeInBytes;
    }
    offset = chunk.nextOffset;
  }
  return { batches, bytes };
}
