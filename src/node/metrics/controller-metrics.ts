/**
 * The controller's figures (Kafka's KafkaController gauges), read from the metadata image at
 * scrape time, and the events the metadata log records (leader elections, ISR shrinks and
 * expands on partitions this broker leads), counted as each committed batch is applied.
 *
 * As in Kafka, only the active controller reports the image gauges (the others report 0), so
 * `sum()` over the cluster gives the cluster's count and `max()` is never stale.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { MetadataImage } from '../../metadata/index.js';
import type { MetadataPublisher } from '../metadata-publisher.js';
import { controllerFigures, type ControllerFigures } from './controller-figures.js';
import { metadataChangeCounts } from './metadata-change-counts.js';
import { snapshotPerScrape } from './snapshot-per-scrape.js';

export interface ControllerMetricsSource {
  /** This node has the controller role and is the Raft leader. */
  isActiveController(): boolean;
  image(): MetadataImage;
}

export function registerControllerMetrics(registry: Registry, source: ControllerMetricsSource): void {
  const registers = [registry];
  const snapshot = snapshotPerScrape(() => (source.isActiveController() ? controllerFigures(source.image()) : undefined));
  new Gauge({
    name: 'kafka_controller_kafkacontroller_activecontrollercount',
    help: '1 on the active controller, 0 elsewhere; the sum over the cluster should be exactly 1.',
    registers,
    collect() {
      this.set(source.isActiveController() ? 1 : 0);
    },
  });
  const figure = (name: string, help: string, read: (f: ControllerFigures) => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const figures = snapshot();
        this.set(figures ? read(figures) : 0);
      },
    });
  };
  figure('kafka_controller_kafkacontroller_offlinepartitionscount', 'Partitions without a leader (active controller only).', (f) => f.offlinePartitions);
  figure('kafka_controller_kafkacontroller_preferredreplicaimbalancecount', 'Partitions led by other than their preferred replica (active controller only).', (f) => f.preferredReplicaImbalance);
  figure('kafka_controller_kafkacontroller_fencedbrokercount', 'Registered brokers that are fenced (active controller only).', (f) => f.fencedBrokers);
  figure('kafka_controller_kafkacontroller_activebrokercount', 'Registered brokers that are not fenced (active controller only).', (f) => f.activeBrokers);
  figure('kafka_controller_kafkacontroller_globaltopiccount', 'Topics in the cluster (active controller only).', (f) => f.topics);
  figure('kafka_controller_kafkacontroller_globalpartitioncount', 'Partitions in the cluster (active controller only).', (f) => f.partitions);
}

export interface MetadataEventMetrics {
  /** Counts what each batch the publisher applies from now on changed; returns the unsubscribe. */
  follow(publisher: MetadataPublisher): () => void;
}

/**
 * Counters fed by the metadata log as this node applies it. A restarted node re-applies the log
 * from its last snapshot while it catches up, and counts those elections again: the counters
 * start from zero with the process anyway, and `rate()` / `increase()` absorb the restart.
 */
export function registerMetadataEventMetrics(registry: Registry, nodeId: number): MetadataEventMetrics {
  const registers = [registry];
  const isrShrinks = new Counter({ name: 'kafka_server_replicamanager_isrshrinks_total', help: 'ISR shrinks of partitions this broker leads.', registers });
  const isrExpands = new Counter({ name: 'kafka_server_replicamanager_isrexpands_total', help: 'ISR expansions of partitions this broker leads.', registers });
  const elections = new Counter({
    name: 'kafka_controller_controllerstats_leaderelections_total',
    help: 'Partition leader changes committed to the metadata log, as this node applied them.',
    registers,
  });
  const unclean = new Counter({
    name: 'kafka_controller_controllerstats_uncleanleaderelections_total',
    help: 'Leader elections whose new leader was not in the previous ISR (possible data loss).',
    registers,
  });
  return {
    follow: (publisher) =>
      publisher.subscribe((_image, delta) => {
        if (delta.partitionsChanged.length === 0) return;
        const counts = metadataChangeCounts(delta, nodeId);
        if (counts.isrShrinks) isrShrinks.inc(counts.isrShrinks);
        if (counts.isrExpands) isrExpands.inc(counts.isrExpands);
        if (counts.leaderElections) elections.inc(counts.leaderElections);
        if (counts.uncleanLeaderElections) unclean.inc(counts.uncleanLeaderElections);
      }),
  };
}
