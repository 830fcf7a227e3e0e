/**
 * The final log of one partition, indexed both ways: what value sits at an offset, and at which
 * offsets a value sits. Every check compares observations against it. When the topic is compacted
 * it also knows each key's latest offset, to tell a record the cleaner replaced from one that was
 * lost.
 */
import type { FinalPartition, History, RecordAt } from './history.js';

/** A record's key as a function of its value: the checker sees values only. */
export type KeyOf = (value: string) => string;

/** Each key's highest offset among `records`. */
export function latestOffsetsByKey(records: readonly RecordAt[], keyOf: KeyOf): Map<string, number> {
  const latest = new Map<string, number>();
  for (const { offset, value } of records) {
    const key = keyOf(value);
    const known = latest.get(key);
    if (known === undefined || offset > known) latest.set(key, offset);
  }
  return latest;
}

export class FinalLog {
  private readonly byOffset = new Map<number, string>();
  private readonly byValue = new Map<string, number[]>();
  private readonly latestByKey: Map<string, number> | undefined;

  constructor(
    readonly partition: FinalPartition,
    private readonly keyOf?: KeyOf,
  ) {
    for (const { offset, value } of partition.records) {
      this.byOffset.set(offset, value);
      const offsets = this.byValue.get(value);
      if (offsets) offsets.push(offset);
      else this.byValue.set(value, [offset]);
    }
    this.latestByKey = keyOf && latestOffsetsByKey(partition.records, keyOf);
  }

  valueAt(offset: number): string | undefined {
    return this.byOffset.get(offset);
  }

  /** Offsets holding `value`, ascending (empty when absent). */
  offsetsOf(value: string): readonly number[] {
    return this.byValue.get(value) ?? [];
  }

  has(value: string): boolean {
    return this.byValue.has(value);
  }

  /**
   * Whether the log holds a record of `value`'s key above `offset`: the one record that entitles
   * the cleaner to drop `value` at `offset`. Always false when the topic is not compacted.
   */
  hasLaterOfKey(value: string, offset: number): boolean {
    if (!this.keyOf || !this.latestByKey) return false;
    const latest = this.latestByKey.get(this.keyOf(value));
    return latest !== undefined && latest > offset;
  }

  /** Values present at more than one offset. */
  *repeatedValues(): Generator<[string, readonly number[]]> {
    for (const entry of this.byValue) if (entry[1].length > 1) yield entry;
  }
}

/**
 * The final logs by partition. A partition the history has no final state for has no entry.
 * `keyOf` is given for a compacted topic.
 */
export function finalLogs(history: History, keyOf?: KeyOf): Map<number, FinalLog> {
  return new Map(history.final.map((p) => [p.partition, new FinalLog(p, keyOf)]));
}
