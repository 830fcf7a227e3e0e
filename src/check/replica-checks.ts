/**
 * Replica agreement once the cluster is quiet: every replica of a partition holds exactly the
 * final leader's records below the high watermark. A replica whose log ends before the high
 * watermark has not caught up; one that differs below it has diverged, which replication must
 * never allow.
 *
 * On a compacted topic each replica cleans its own copy, whenever its own retention check comes
 * round, so two replicas may hold different subsets of the same records: an offset one replica
 * lacks and the other holds is agreement when the lacking replica holds a later record of that
 * record's key (its cleaner had the right to drop it). Offsets both hold must still carry the same
 * value. Below either replica's log start nothing is compared: retention (or a follower taking the
 * leader's log start) may have deleted it.
 */
import { latestOffsetsByKey } from './final-log.js';
import type { FinalPartition, History, RecordAt, ReplicaLog } from './history.js';
import type { CheckOptions } from './options.js';

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

export function findDivergentReplicas(history: History, options: CheckOptions = {}): DivergentReplica[] {
  const found: DivergentReplica[] = [];
  for (const partition of history.final) {
    if (partition.leader < 0) continue;
    for (const replica of partition.replicas) {
      if (replica.node === partition.leader) continue;
      const problem = compareReplica(partition, replica, options);
      if (problem) {
        found.push({ partition: partition.partition, node: replica.node, leader: partition.leader, highWatermark: partition.highWatermark, problem });
      }
    }
  }
  return found;
}

/** The first difference between a replica and the final leader below the high watermark. */
function compareReplica(partition: FinalPartition, replica: ReplicaLog, options: CheckOptions): ReplicaProblem | undefined {
  const expected = new Map(partition.records.map((r) => [r.offset, r.value]));
  const actual = new Map(replica.records.map((r) => [r.offset, r.value]));
  const keyOf = options.compaction?.keyOf;
  /** Whether `records` hold a record of `value`'s key above `offset`: that copy was entitled to drop it. */
  const replacedIn = (records: readonly RecordAt[]): ((value: string, offset: number) => boolean) => {
    if (!keyOf) return () => false;
    const latest = latestOffsetsByKey(records, keyOf);
    return (value, offset) => (latest.get(keyOf(value)) ?? -1) > offset;
  };
  const replacedOnLeader = replacedIn(partition.records);
  const replacedOnReplica = replacedIn(replica.records);
  const from = Math.max(partition.logStartOffset, replica.logStartOffset);
  for (let offset = from; offset < partition.highWatermark; offset++) {
    const want = expected.get(offset);
    const have = actual.get(offset);
    if (want === have) continue;
    // Below the high watermark a missing record on a short log is lag; anything else diverged.
    if (have === undefined && offset >= replica.logEndOffset) return { kind: 'behind', logEndOffset: replica.logEndOffset };
    if (have === undefined && replacedOnReplica(want!, offset)) continue;
    if (want === undefined && replacedOnLeader(have!, offset)) continue;
    return { kind: 'diverged', offset, ...(want === undefined ? {} : { expected: want }), ...(have === undefined ? {} : { actual: have }) };
  }
  return undefined;
}
