/**
 * The workload's records: each value a unique UTF-8 string, sent as one v2 batch per send, and
 * read back from fetch responses and logs as (offset, value) pairs.
 *
 * On a compacted topic every record needs a key. The key is a pure function of the value
 * (`workloadKeyOf`), so the history checker, which sees only values, knows which records a later
 * one may have replaced without the history having to carry keys.
 */
import type { RecordAt } from '../../check/index.js';
import { buildBatch, iterateBatches, lastOffsetOf, readRecords } from '../../log/index.js';

/**
 * Keys per producer. Small, so that every key is written many times in a run and the cleaner has
 * old records to drop; per producer, so that the order of one key's values is one producer's order.
 */
export const KEYS_PER_PRODUCER = 8;

/**
 * The key of a workload value `<producer>-<sequence>`: `<producer>/<sequence mod KEYS_PER_PRODUCER>`.
 * Anything else keys to itself, so a value the workload never sent replaces nothing.
 */
export function workloadKeyOf(value: string): string {
  const dash = value.lastIndexOf('-');
  const sequence = dash < 0 ? NaN : Number(value.slice(dash + 1));
  if (!Number.isSafeInteger(sequence) || sequence < 0) return value;
  return `${value.slice(0, dash)}/${sequence % KEYS_PER_PRODUCER}`;
}

/** One batch of `values`; each record keyed by `keyOf` when given (compacted topics), else keyless. */
export function batchOf(values: readonly string[], timestampMs: number, keyOf?: (value: string) => string): Buffer {
  return buildBatch(
    values.map((v) => ({
      ...(keyOf ? { key: Buffer.from(keyOf(v), 'utf8') } : {}),
      value: Buffer.from(v, 'utf8'),
      timestamp: timestampMs,
    })),
  );
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

/**
 * The offset after the last batch of `batches` (-1 when there is none). A compacted batch may end
 * with offsets whose records were cleaned away, or hold no records at all; a reader resumes here,
 * as Kafka's consumers do, rather than after its last record.
 */
export function nextOffsetAfter(batches: Buffer): number {
  let next = -1;
  for (const { header } of iterateBatches(batches)) next = lastOffsetOf(header) + 1;
  return next;
}
