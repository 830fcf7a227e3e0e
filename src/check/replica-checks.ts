/**
 * Replica agreement once the cluster is quiet: every replica of a partition holds exactly the
 * final leader's records below the high watermark. A replica whose log ends before the high
 * watermark has not caught up; one that differs below it has diverged, which replication must
 * never allow.
 */
import type { FinalPartition, History, RecordAt } from './history.js';

export type ReplicaProblem =
  | { readonly kind: 'behind'; readonly logEndOffset: number }
  | { readonly kind: 'diverged'; readonly offset: number; readonly expected?: string; readonly actual?: string };

export interface DivergentReplica {
  readonly partition: number;
  readonly node: number;
  readonly leader: number;
  readonly highWatermark: number;
  readonly problem: ReplicaProblem;
}

export function findDivergentReplicas(history: History): DivergentReplica[] {
  const found: DivergentReplica[] = [];
  for (const partition of history.final) {
    if (partition.leader < 0) continue;
    for (const replica of partition.replicas) {
      if (replica.node === partition.leader) continue;
      const problem = compareReplica(partition, replica.logStartOffset, replica.logEndOffset, replica.records);
      if (problem) {
        found.push({ partition: partition.partition, node: replica.node, leader: partition.leader, highWatermark: partition.highWatermark, problem });
      }
    }
  }
  return found;
}

/** The first difference between a replica and the final leader below the high watermark. */
function compareReplica(partition: FinalPartition, logStartOffset: number, logEndOffset: number, records: readonly RecordAt[]): ReplicaProblem | undefined {
  const expected = new Map(partition.records.map((r) => [r.offset, r.value]));
  const actual = new Map(records.map((r) => [r.offset, r.value]));
  const from = Math.max(partition.logStartOffset, logStartOffset);
  for (let offset = from; offset < partition.highWatermark; offset++) {
    const want = expected.get(offset);
    const have = actual.get(offset);
    if (want === have) continue;
    // Below the high watermark a missing record on a short log is lag; anything else diverged.
    if (have === undefined && offset >= logEndOffset) return { kind: 'behind', logEndOffset };
    return { kind: 'diverged', offset, ...(want === undefined ? {} : { expected: want }), ...(have === undefined ? {} : { actual: have }) };
  }
  return undefined;
}
