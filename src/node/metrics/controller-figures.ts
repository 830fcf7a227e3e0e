/**
 * Kafka's KafkaController gauges, from the metadata image. Pure, for unit tests.
 */
import { allPartitions, type MetadataImage } from '../../metadata/index.js';
import { NO_LEADER } from '../../metadata/types.js';

export interface ControllerFigures {
  offlinePartitions: number;
  /** Partitions whose leader is not their first (preferred) replica. */
  preferredReplicaImbalance: number;
  fencedBrokers: number;
  activeBrokers: number;
  topics: number;
  partitions: number;
}

export function controllerFigures(image: MetadataImage): ControllerFigures {
  const figures: ControllerFigures = { offlinePartitions: 0, preferredReplicaImbalance: 0, fencedBrokers: 0, activeBrokers: 0, topics: image.topicsById.size, partitions: 0 };
  for (const p of allPartitions(image)) {
    figures.partitions++;
    if (p.leader === NO_LEADER) figures.offlinePartitions++;
    else if (p.leader !== p.replicas[0]) figures.preferredReplicaImbalance++;
  }
  for (const broker of image.brokers.values()) {
    if (broker.fenced) figures.fencedBrokers++;
    else figures.activeBrokers++;
  }
  return figures;
}
