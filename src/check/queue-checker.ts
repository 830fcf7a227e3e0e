/**
 * Judges a queue history the way Jepsen's queue and Kafka checkers do: lost writes, inconsistent
 * offsets, reordered sends, dirty reads and replica divergence are violations; duplicates are
 * reported apart, since a producer without idempotence may legitimately write a retry twice.
 * On a topic with retention or compaction, `CheckOptions` say what may legitimately vanish.
 */
import { finalLogs } from './final-log.js';
import type { History } from './history.js';
import type { CheckOptions } from './options.js';
import {
  findDirtyReads,
  findDuplicates,
  findInconsistentOffsets,
  findUnexpectedValues,
  type DirtyRead,
  type DuplicatedValue,
  type InconsistentOffset,
  type UnexpectedValue,
} from './offset-checks.js';
import { findDivergentReplicas, type DivergentReplica } from './replica-checks.js';
import { findLostWrites, findReorderedSends, type LostWrite, type ReorderedSend } from './write-checks.js';

export interface CheckStats {
  readonly sends: number;
  readonly acknowledgedSends: number;
  readonly acknowledgedValues: number;
  readonly indeterminateSends: number;
  readonly failedSends: number;
  readonly polls: number;
  readonly polledRecords: number;
  readonly finalRecords: number;
  /** Acknowledged values no consumer read (informational: consumers may simply be behind). */
  readonly unreadAcknowledgedValues: number;
  /** Values whose send was never acknowledged but which are in the final log anyway. */
  readonly unacknowledgedButPresent: number;
  /**
   * Acknowledged values absent from the final log that retention or compaction explain (always 0
   * without `CheckOptions`): evidence that the cleanup policy really removed something.
   */
  readonly acknowledgedButRemoved: number;
}

export interface CheckReport {
  /** No violation of any kind (duplicates are not violations). */
  readonly valid: boolean;
  readonly lostWrites: readonly LostWrite[];
  readonly inconsistentOffsets: readonly InconsistentOffset[];
  readonly reorderedSends: readonly ReorderedSend[];
  readonly dirtyReads: readonly DirtyRead[];
  readonly divergentReplicas: readonly DivergentReplica[];
  readonly unexpectedValues: readonly UnexpectedValue[];
  /** Partitions that were written but have no final state: nothing about them could be checked. */
  readonly uncheckedPartitions: readonly number[];
  readonly duplicates: readonly DuplicatedValue[];
  readonly stats: CheckStats;
}

/** Without `options`, nothing may vanish from a final log (see CheckOptions). */
export function checkHistory(history: History, options: CheckOptions = {}): CheckReport {
  const logs = finalLogs(history, options.compaction?.keyOf);
  const lostWrites = findLostWrites(history, logs, options);
  const inconsistentOffsets = findInconsistentOffsets(history);
  const reorderedSends = findReorderedSends(history, logs);
  const dirtyReads = findDirtyReads(history, logs, options);
  const divergentReplicas = findDivergentReplicas(history, options);
  const unexpectedValues = findUnexpectedValues(history);
  const uncheckedPartitions = [...new Set(history.sends.map((s) => s.partition))].filter((p) => !logs.has(p)).sort((a, b) => a - b);
  const violations = [lostWrites, inconsistentOffsets, reorderedSends, dirtyReads, divergentReplicas, unexpectedValues, uncheckedPartitions];
  return {
    valid: violations.every((v) => v.length === 0),
    lostWrites,
    inconsistentOffsets,
    reorderedSends,
    dirtyReads,
    divergentReplicas,
    unexpectedValues,
    uncheckedPartitions,
    duplicates: findDuplicates(logs),
    stats: statsOf(history, logs, lostWrites.length),
  };
}

function statsOf(history: History, logs: ReturnType<typeof finalLogs>, lostWrites: number): CheckStats {
  const read = new Set<string>();
  for (const poll of history.polls) for (const r of poll.records) read.add(r.value);
  let acknowledgedValues = 0;
  let unread = 0;
  let unacknowledgedButPresent = 0;
  /** Acknowledged values not in the final log: the lost ones plus those the cleanup policy removed. */
  let acknowledgedButAbsent = 0;
  for (const send of history.sends) {
    if (send.outcome === 'ok') {
      acknowledgedValues += send.values.length;
      unread += send.values.filter((v) => !read.has(v)).length;
      const log = logs.get(send.partition);
      if (log) acknowledgedButAbsent += send.values.filter((v) => !log.has(v)).length;
    } else {
      const log = logs.get(send.partition);
      unacknowledgedButPresent += send.values.filter((v) => log?.has(v)).length;
    }
  }
  return {
    sends: history.sends.length,
    acknowledgedSends: history.sends.filter((s) => s.outcome === 'ok').length,
    acknowledgedValues,
    indeterminateSends: history.sends.filter((s) => s.outcome === 'info').length,
    failedSends: history.sends.filter((s) => s.outcome === 'fail').length,
    polls: history.polls.length,
    polledRecords: history.polls.reduce((n, p) => n + p.records.length, 0),
    finalRecords: history.final.reduce((n, p) => n + p.records.length, 0),
    unreadAcknowledgedValues: unread,
    unacknowledgedButPresent,
    acknowledgedButRemoved: acknowledgedButAbsent - lostWrites,
  };
}

/** A few lines per kind of violation, for a failure message. */
export function describeReport(report: CheckReport, perKind = 3): string {
  const lines: string[] = [];
  const section = <T>(name: string, items: readonly T[], show: (item: T) => string): void => {
    if (items.length === 0) return;
    lines.push(`${name}: ${items.length}`);
    for (const item of items.slice(0, perKind)) lines.push(`  ${show(item)}`);
  };
  section('lost writes', report.lostWrites, (l) => `p${l.partition} ${l.value} (${l.process}, acked at offset ${l.acknowledgedOffset}, t=${l.acknowledgedAtMs}ms)`);
  section('inconsistent offsets', report.inconsistentOffsets, (i) =>
    `p${i.partition}@${i.offset}: ${i.observations.map((o) => `${o.value} [${o.seenBy.join(', ')}]`).join(' vs ')}`,
  );
  section('reordered sends', report.reorderedSends, (r) =>
    `p${r.partition} ${r.process}: ${r.earlier.value}@${r.earlier.offset} then ${r.later.value}@${r.later.offset}`,
  );
  section('dirty reads', report.dirtyReads, (d) => `p${d.partition}@${d.offset} ${d.value} read by ${d.process} at t=${d.readAtMs}ms; final: ${d.finalValue ?? 'nothing'}`);
  section('divergent replicas', report.divergentReplicas, (d) =>
    d.problem.kind === 'behind'
      ? `p${d.partition} node ${d.node} ends at ${d.problem.logEndOffset} < hw ${d.highWatermark} (leader ${d.leader})`
      : `p${d.partition} node ${d.node} @${d.problem.offset}: ${d.problem.actual ?? 'nothing'} where leader ${d.leader} has ${d.problem.expected ?? 'nothing'}`,
  );
  section('values never sent', report.unexpectedValues, (u) => `p${u.partition}@${u.offset} ${u.value}`);
  section('partitions without a final state', report.uncheckedPartitions, (p) => `p${p}`);
  const s = report.stats;
  lines.push(
    `stats: ${s.acknowledgedSends}/${s.sends} sends acknowledged (${s.acknowledgedValues} values), ${s.indeterminateSends} indeterminate, ` +
      `${s.failedSends} failed; ${s.polledRecords} records polled; ${s.finalRecords} in final logs` +
      `${s.acknowledgedButRemoved > 0 ? ` (${s.acknowledgedButRemoved} acknowledged values removed by retention or compaction)` : ''}; ${report.duplicates.length} duplicated values`,
  );
  return lines.join('\n');
}
