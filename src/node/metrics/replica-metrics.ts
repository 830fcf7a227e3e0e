/**
 * The broker's replica figures, read from the replica manager when Prometheus scrapes (nothing
 * on the produce or fetch path): Kafka's ReplicaManager and Partition gauges, the purgatories,
 * the replica fetcher's lag, and each partition log's size on disk.
 */
import { Gauge, type Registry } from 'prom-client';
import type { PartitionStatus, ReplicaManager } from '../../broker/index.js';
import type { PartitionLog } from '../../log/types.js';
import type { LogSize } from '../partition-log-factory.js';
import { replicaFigures, type ReplicaFigures } from './replica-figures.js';
import { snapshotPerScrape } from './snapshot-per-scrape.js';

export interface ReplicaMetricsSource {
  /** Undefined until the node's runtime has started. */
  replicaManager(): ReplicaManager | undefined;
  minInsyncReplicas(topic: string): number;
  logSize(log: PartitionLog): LogSize | undefined;
}

interface ReplicaSnapshot {
  readonly replicas: readonly PartitionStatus[];
  readonly figures: ReplicaFigures;
  readonly rm: ReplicaManager | undefined;
}

const EMPTY: ReplicaSnapshot = { replicas: [], figures: replicaFigures([], () => 1), rm: undefined };

export function registerReplicaMetrics(registry: Registry, source: ReplicaMetricsSource): void {
  const snapshot = snapshotPerScrape((): ReplicaSnapshot => {
    const rm = source.replicaManager();
    if (!rm) return EMPTY;
    const replicas = rm.status();
    return { replicas, figures: replicaFigures(replicas, (t) => source.minInsyncReplicas(t)), rm };
  });
  const registers = [registry];
  const figure = (name: string, help: string, read: (f: ReplicaFigures) => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(snapshot().figures));
      },
    });
  };
  figure('kafka_server_replicamanager_partitioncount', 'Partition replicas hosted on this broker, led or followed.', (f) => f.partitionCount);
  figure('kafka_server_replicamanager_leadercount', 'Partitions this broker leads.', (f) => f.leaderCount);
  figure('kafka_server_replicamanager_underreplicatedpartitions', 'Partitions led here whose ISR is smaller than their replica set.', (f) => f.underReplicated);
  figure('kafka_server_replicamanager_underminisrpartitioncount', 'Partitions led here whose ISR is below min.insync.replicas (acks=all refused).', (f) => f.underMinIsr);
  figure('kafka_server_replicamanager_atminisrpartitioncount', 'Partitions led here whose ISR is exactly min.insync.replicas.', (f) => f.atMinIsr);

  const partitionLabels = ['topic', 'partition'] as const;
  const ledGauge = (name: string, help: string, read: (p: ReplicaFigures['led'][number]) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: partitionLabels,
      registers,
      collect() {
        // Rebuilt at each scrape, so a partition no longer led here disappears rather than going stale.
        this.reset();
        for (const p of snapshot().figures.led) this.set({ topic: p.topic, partition: String(p.partition) }, read(p));
      },
    });
  };
  ledGauge('kafka_cluster_partition_underreplicated', '1 when the partition (led here) has fewer in-sync replicas than replicas.', (p) => (p.underReplicated ? 1 : 0));
  ledGauge('kafka_cluster_partition_underminisr', '1 when the partition (led here) has fewer in-sync replicas than min.insync.replicas.', (p) => (p.underMinIsr ? 1 : 0));
  ledGauge('kafka_cluster_partition_insyncreplicascount', 'In-sync replicas of the partition (led here).', (p) => p.isrSize);

  new Gauge({
    name: 'kafka_server_delayedoperationpurgatory_purgatorysize',
    help: 'Requests waiting: acks=all produces for the ISR, fetches in long polls.',
    labelNames: ['delayedOperation'] as const,
    registers,
    collect() {
      const { rm, replicas } = snapshot();
      let produces = 0;
      for (const r of replicas) produces += rm?.getPartition(r.topic, r.partition)?.waitingProduces() ?? 0;
      const fetches = rm?.waitingFetches();
      this.set({ delayedOperation: 'Produce' }, produces);
      this.set({ delayedOperation: 'Fetch' }, fetches ? fetches.replica + fetches.consumer : 0);
    },
  });

  new Gauge({
    name: 'kafka_server_replicafetchermanager_maxlag',
    help: "Largest lag, in records, of a partition this broker follows behind its leader's high watermark.",
    labelNames: ['clientId'] as const,
    registers,
    collect() {
      const { rm, replicas } = snapshot();
      let maxLag = 0;
      for (const r of replicas) if (r.role === 'follower') maxLag = Math.max(maxLag, rm?.getPartition(r.topic, r.partition)?.followerLag() ?? 0);
      this.set({ clientId: 'Replica' }, maxLag);
    },
  });

  const logGauge = (name: string, help: string, read: (r: PartitionStatus, size: LogSize | undefined) => number | undefined): void => {
    new Gauge({
      name,
      help,
      labelNames: partitionLabels,
      registers,
      collect() {
        this.reset();
        const { rm, replicas } = snapshot();
        for (const r of replicas) {
          const log = rm?.getPartition(r.topic, r.partition)?.log;
          const value = read(r, log && source.logSize(log));
          if (value !== undefined) this.set({ topic: r.topic, partition: String(r.partition) }, value);
        }
      },
    });
  };
  logGauge('kafka_log_log_size', "Bytes of the partition replica's log segments on disk.", (_r, size) => size?.sizeBytes);
  logGauge('kafka_log_log_numlogsegments', "Segments of the partition replica's log.", (_r, size) => size?.segments);
  logGauge('kafka_log_log_logendoffset', "The partition replica's log end offset.", (r) => r.logEndOffset);
  logGauge('kafka_log_log_logstartoffset', "The partition replica's log start offset.", (r) => r.logStartOffset);
}
