/**
 * Consumer group lag on the group's coordinator, named as kafka_exporter names it (Kafka itself
 * exports no such MBean): for each committed offset of each group this node coordinates, the
 * committed offset and how far it is behind the partition's high watermark. The high watermark
 * is this node's replica's, so a partition with no replica here is left out. Read at scrape time.
 */
import { Gauge, type Registry } from 'prom-client';
import type { ReplicaManager } from '../../broker/index.js';
import type { GroupCoordinator } from '../../broker/group/index.js';
import { snapshotPerScrape } from './snapshot-per-scrape.js';

export interface GroupMetricsSource {
  coordinator(): GroupCoordinator | undefined;
  replicaManager(): ReplicaManager | undefined;
}

interface GroupPosition {
  labels: { consumergroup: string; topic: string; partition: string };
  offset: number;
  lag: number | undefined;
}

export function registerGroupMetrics(registry: Registry, source: GroupMetricsSource): void {
  const positions = snapshotPerScrape(() => groupPositions(source));
  const labelNames = ['consumergroup', 'topic', 'partition'] as const;
  new Gauge({
    name: 'kafka_consumergroup_current_offset',
    help: 'The offset the group committed for the partition (groups this node coordinates).',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const p of positions()) this.set(p.labels, p.offset);
    },
  });
  new Gauge({
    name: 'kafka_consumergroup_lag',
    help: "Records between the group's committed offset and the partition's high watermark.",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const p of positions()) if (p.lag !== undefined) this.set(p.labels, p.lag);
    },
  });
}

function groupPositions(source: GroupMetricsSource): GroupPosition[] {
  const coordinator = source.coordinator();
  if (!coordinator) return [];
  const rm = source.replicaManager();
  const positions: GroupPosition[] = [];
  for (const { groupId } of coordinator.listGroups().groups) {
    let committed;
    try {
      committed = coordinator.fetchOffsets({ groupId, topics: null });
    } catch {
      continue; // its partition moved away or is loading: another node (or the next scrape) reports it
    }
    for (const { topic, partitions } of committed.topics) {
      for (const { partition, offset } of partitions) {
        if (offset < 0) continue;
        const hw = rm?.getPartition(topic, partition)?.highWatermark();
        positions.push({ labels: { consumergroup: groupId, topic, partition: String(partition) }, offset, lag: hw === undefined ? undefined : Math.max(0, hw - offset) });
      }
    }
  }
  return positions;
}
