/**
 * Checks on offsets across every observation of a partition: acknowledgements, consumer reads and
 * the final log must never show two different values at one offset; a consumer must only have
 * read what stays in the final log (anything else is a dirty read: committed data that vanished),
 * unless the topic's cleanup policy removed it since.
 * Also reports what is expected without idempotence (duplicates) and what must never happen
 * (values nobody sent).
 */
import type { FinalLog } from './final-log.js';
import { acknowledgedRecords, type History } from './history.js';
import { removedByCleanup, type CheckOptions } from './options.js';

export interface InconsistentOffset {
  readonly partition: number;
  readonly offset: number;
  /** Each distinct value seen there, with who saw it ("ack p1", "poll c0", "final"). */
  readonly observations: readonly { readonly value: string; readonly seenBy: readonly string[] }[];
}

export interface DirtyRead {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
  readonly process: string;
  readonly readAtMs: number;
  /** What the final log holds there, if anything. */
  readonly finalValue?: string;
}

export interface DuplicatedValue {
  readonly partition: number;
  readonly value: string;
  readonly offsets: readonly number[];
}

export interface UnexpectedValue {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

export function findInconsistentOffsets(history: History): InconsistentOffset[] {
  /** partition -> offset -> value -> observers */
  const seen = new Map<number, Map<number, Map<string, Set<string>>>>();
  const observe = (partition: number, offset: number, value: string, who: string): void => {
    let offsets = seen.get(partition);
    if (!offsets) seen.set(partition, (offsets = new Map()));
    let values = offsets.get(offset);
    if (!values) offsets.set(offset, (values = new Map()));
    let observers = values.get(value);
    if (!observers) values.set(value, (observers = new Set()));
    observers.add(who);
  };
  for (const send of history.sends) for (const r of acknowledgedRecords(send)) observe(send.partition, r.offset, r.value, `ack ${send.process}`);
  for (const poll of history.polls) for (const r of poll.records) observe(poll.partition, r.offset, r.value, `poll ${poll.process}`);
  for (const final of history.final) for (const r of final.records) observe(final.partition, r.offset, r.value, 'final');

  const inconsistent: InconsistentOffset[] = [];
  for (const [partition, offsets] of seen) {
    for (const [offset, values] of offsets) {
      if (values.size < 2) continue;
      const observations = [...values].map(([value, who]) => ({ value, seenBy: [...who] }));
      inconsistent.push({ partition, offset, observations });
    }
  }
  return inconsistent.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/**
 * Records consumers read that the final log does not hold at that offset. Offsets below the final
 * log start are not judged (the final log says nothing there); with compaction in `options`, a
 * record the log no longer holds is not dirty when the log holds its key at a higher offset. A
 * different value at the offset is dirty whatever the options.
 */
export function findDirtyReads(history: History, logs: ReadonlyMap<number, FinalLog>, options: CheckOptions = {}): DirtyRead[] {
  const dirty: DirtyRead[] = [];
  for (const poll of history.polls) {
    const log = logs.get(poll.partition);
    if (!log) continue;
    const logStartOffset = log.partition.logStartOffset;
    for (const { offset, value } of poll.records) {
      if (offset < logStartOffset) continue;
      const finalValue = log.valueAt(offset);
      if (finalValue === value) continue;
      if (finalValue === undefined && removedByCleanup(options, offset, logStartOffset, () => log.hasLaterOfKey(value, offset))) continue;
      dirty.push({
        partition: poll.partition,
        offset,
        value,
        process: poll.process,
        readAtMs: poll.completeMs,
        ...(finalValue === undefined ? {} : { finalValue }),
      });
    }
  }
  return dirty;
}

/** Values at more than one offset of a final log: retries without idempotence. */
export function findDuplicates(logs: ReadonlyMap<number, FinalLog>): DuplicatedValue[] {
  const duplicates: DuplicatedValue[] = [];
  for (const [partition, log] of logs) for (const [value, offsets] of log.repeatedValues()) duplicates.push({ partition, value, offsets });
  return duplicates;
}

/** Final records whose value no producer ever sent to that partition. */
export function findUnexpectedValues(history: History): UnexpectedValue[] {
  const sent = new Map<number, Set<string>>();
  for (const send of history.sends) {
    let values = sent.get(send.partition);
    if (!values) sent.set(send.partition, (values = new Set()));
    for (const v of send.values) values.add(v);
  }
  const unexpected: UnexpectedValue[] = [];
  for (const final of history.final) {
    const values = sent.get(final.partition);
    for (const r of final.records) if (!values?.has(r.value)) unexpected.push({ partition: final.partition, ...r });
  }
  return unexpected;
}
