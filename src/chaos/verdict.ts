/**
 * A chaos run's verdict: which of the checker's findings break the guarantees of the settings the
 * run chose, and the summary table. Pure: it judges what was measured.
 *
 * - Always violations: dirty reads, replicas that differ below the high watermark, values nobody
 *   sent, one producer's sends out of order, partitions that could not be read back, and offsets
 *   where two observers saw different values.
 * - Lost acknowledged writes: a violation with acks=all. With acks=1 they are the risk the setting
 *   takes (a leader acknowledges before its followers copy), reported but not a failure; an
 *   acknowledgement at an offset that now holds another value is the same loss seen from the
 *   offset, and is judged the same way.
 * - Duplicates: a violation with the idempotent producer; without it, retries may write twice.
 */
import type { CheckReport, InconsistentOffset, PartitionAvailability } from '../check/index.js';

export interface RunSettings {
  readonly acks: 1 | 'all';
  readonly idempotent: boolean;
  readonly minInsync: number;
}

export interface FaultCounts {
  readonly injected: number;
  readonly skipped: number;
}

export interface ChaosVerdict {
  readonly holds: boolean;
  /** The summary table: label, value. */
  readonly rows: readonly (readonly [string, string])[];
  /** One line per class of violation. */
  readonly violations: readonly string[];
  /** What the reader should know beyond pass or fail. */
  readonly notes: readonly string[];
}

/** An offset whose disagreement is only between an acknowledgement and what is there now. */
function onlyAcknowledgementDisagrees(i: InconsistentOffset): boolean {
  const seenOtherwise = i.observations.filter((o) => o.seenBy.some((who) => !who.startsWith('ack ')));
  return seenOtherwise.length <= 1;
}

export function judgeChaosRun(report: CheckReport, availability: readonly PartitionAvailability[], faults: FaultCounts, settings: RunSettings): ChaosVerdict {
  const acksAll = settings.acks === 'all';
  const lostValues = report.lostWrites.length;
  const ackOnlyConflicts = report.inconsistentOffsets.filter(onlyAcknowledgementDisagrees);
  const otherConflicts = report.inconsistentOffsets.filter((i) => !onlyAcknowledgementDisagrees(i));
  const violations: string[] = [];
  const add = (count: number, text: string): void => {
    if (count > 0) violations.push(`${count} ${text}`);
  };
  if (acksAll) {
    add(lostValues, 'acknowledged values lost (acks=all)');
    add(ackOnlyConflicts.length, 'acknowledged offsets now holding another value (acks=all)');
  }
  add(otherConflicts.length, 'offsets where readers saw different values');
  add(report.reorderedSends.length, "sends out of their producer's order");
  add(report.dirtyReads.length, 'dirty reads (read, then not in the final log)');
  add(report.divergentReplicas.length, 'replicas that differ below the high watermark');
  add(report.unexpectedValues.length, 'values in the log that nobody sent');
  add(report.uncheckedPartitions.length, 'partitions that could not be read back');
  if (settings.idempotent) add(report.duplicates.length, 'duplicated values despite the idempotent producer');

  const notes: string[] = [];
  if (!acksAll) {
    notes.push(
      lostValues > 0
        ? `acks=1 lost ${lostValues} acknowledged values: a leader acknowledged them before its followers copied them, then failed. That is the risk acks=1 takes; acks=all would not have.`
        : 'acks=1 lost nothing this time. It loses writes only when a leader fails holding writes its followers have not copied yet: run longer, or aim at leaders (--nemesis leader).',
    );
  }
  if (!settings.idempotent && report.duplicates.length > 0) {
    notes.push(`${report.duplicates.length} values were written twice: retries without the idempotent producer. An idempotent consumer (or --idempotent on) copes.`);
  }
  if (faults.injected === 0) notes.push('no fault was injected: the run proves little (the duration was shorter than one interval and one fault?)');

  const longest = availability.reduce((max, p) => Math.max(max, p.maxMs), 0);
  const ms = (value: number): string => `${Math.round(value)} ms`;
  const worst = availability.find((p) => p.maxMs === longest);
  const s = report.stats;
  const rows: [string, string][] = [
    ['faults injected', `${faults.injected}${faults.skipped > 0 ? ` (${faults.skipped} skipped)` : ''}`],
    ['sends', `${s.sends} (acknowledged ${s.acknowledgedSends}, failed ${s.failedSends}, unknown outcome ${s.indeterminateSends})`],
    ['values acknowledged', String(s.acknowledgedValues)],
    ['values lost', `${lostValues}${!acksAll && lostValues > 0 ? ' (acks=1)' : ''}`],
    ['values duplicated', String(report.duplicates.length)],
    ['records read by consumers', String(s.polledRecords)],
    ['final records', String(s.finalRecords)],
    ['inconsistent offsets', String(report.inconsistentOffsets.length)],
    ['reordered sends', String(report.reorderedSends.length)],
    ['dirty reads', String(report.dirtyReads.length)],
    ['divergent replicas', String(report.divergentReplicas.length)],
    ['unexpected values', String(report.unexpectedValues.length)],
    ['partitions not read back', String(report.uncheckedPartitions.length)],
    ['longest unavailability', worst ? `${ms(longest)} (partition ${worst.partition})` : 'n/a'],
    ...availability.map((p): [string, string] => [`  partition ${p.partition} gaps`, `p50 ${ms(p.p50Ms)}, p99 ${ms(p.p99Ms)}, max ${ms(p.maxMs)}`]),
  ];
  return { holds: violations.length === 0, rows, violations, notes };
}

/** The table as aligned text lines. */
export function formatRows(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
}
