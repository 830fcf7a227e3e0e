/**
 * Kafka's ReplicaManager figures from the replicas one broker hosts. Pure, so the rules (a
 * partition is under-replicated on its leader only, and so on) are unit-tested apart from prom-client.
 */
import type { PartitionStatus } from '../../broker/index.js';

export interface ReplicaFigures {
  partitionCount: number;
  leaderCount: number;
  /** Led here, ISR smaller than the replica set (Kafka counts on the leader only, so a sum over brokers is the cluster's count). */
  underReplicated: number;
  /** Led here, ISR below min.insync.replicas: acks=all produces are refused. */
  underMinIsr: number;
  /** Led here, ISR exactly at min.insync.replicas: one more loss and acks=all stops. */
  atMinIsr: number;
  /** Per partition led here. */
  led: LedPartition[];
}

export interface LedPartition {
  topic: string;
  partition: number;
  isrSize: number;
  underReplicated: boolean;
  underMinIsr: boolean;
}

export function replicaFigures(replicas: readonly PartitionStatus[], minInsync: (topic: string) => number): ReplicaFigures {
  const figures: ReplicaFigures = { partitionCount: replicas.length, leaderCount: 0, underReplicated: 0, underMinIsr: 0, atMinIsr: 0, led: [] };
  for (const r of replicas) {
    if (r.role !== 'leader') continue;
    figures.leaderCount++;
    const isrSize = r.isr.length;
    const minIsr = minInsync(r.topic);
    const underReplicated = isrSize < r.replicas.length;
    const underMinIsr = isrSize < minIsr;
    if (underReplicated) figures.underReplicated++;
    if (underMinIsr) figures.underMinIsr++;
    if (isrSize === minIsr) figures.atMinIsr++;
    figures.led.push({ topic: r.topic, partition: r.partition, isrSize, underReplicated, underMinIsr });
  }
  return figures;
}
