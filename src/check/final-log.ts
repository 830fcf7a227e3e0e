/**
 * The final log of one partition, indexed both ways: what value sits at an offset, and at which
 * offsets a value sits. Every check compares observations against it.
 */
import type { FinalPartition, History } from './history.js';

export class FinalLog {
  private readonly byOffset = new Map<number, string>();
  private readonly byValue = new Map<string, number[]>();

  constructor(readonly partition: FinalPartition) {
    for (const { offset, value } of partition.records) {
      this.byOffset.set(offset, value);
      const offsets = this.byValue.get(value);
      if (offsets) offsets.push(offset);
      else this.byValue.set(value, [offset]);
    }
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

  /** Values present at more than one offset. */
  *repeatedValues(): Generator<[string, readonly number[]]> {
    for (const entry of this.byValue) if (entry[1].length > 1) yield entry;
  }
}

/** The final logs by partition. A partition the history has no final state for has no entry. */
export function finalLogs(history: History): Map<number, FinalLog> {
  return new Map(history.final.map((p) => [p.partition, new FinalLog(p)]));
}
