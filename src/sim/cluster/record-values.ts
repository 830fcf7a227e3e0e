/**
 * The workload's records: each value a unique UTF-8 string, sent as one v2 batch per send, and
 * read back from fetch responses and logs as (offset, value) pairs.
 */
import type { RecordAt } from '../../check/index.js';
import { buildBatch, iterateBatches, readRecords } from '../../log/index.js';

export function batchOf(values: readonly string[], timestampMs: number): Buffer {
  return buildBatch(values.map((v) => ({ value: Buffer.from(v, 'utf8'), timestamp: timestampMs })));
}

/** The records of whole batches lying back to back, from `fromOffset` on. */
export function recordsOf(batches: Buffer, fromOffset = 0): RecordAt[] {
  const records: RecordAt[] = [];
  for (const { position } of iterateBatches(batches)) {
    for (const r of readRecords(batches, position)) {
      if (r.offset >= fromOffset) records.push({ offset: r.offset, value: r.value?.toString('utf8') ?? '' });
    }
  }
  return records;
}
