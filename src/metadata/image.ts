/**
 * The metadata image: what the metadata log says at one Raft index (brokers, topics, partitions,
 * the next producer id). Images are values: applying records yields a new image that shares every
 * map the records did not touch, so holders of an old image keep a consistent view.
 */
import { resolveTopicConfig, type ResolvedTopicConfig } from './topic-config.js';
import type { BrokerId, BrokerRegistration, PartitionRegistration } from './types.js';

export interface TopicImage {
  readonly topicId: string;
  readonly name: string;
  /** Topic-level overrides; see `topicConfig` for the effective values. */
  readonly configs: Readonly<Record<string, string>>;
  readonly partitions: ReadonlyMap<number, PartitionRegistration>;
}

export interface MetadataImage {
  /** Raft index of the last entry applied (0: nothing applied). */
  readonly offset: number;
  readonly brokers: ReadonlyMap<BrokerId, BrokerRegistration>;
  /**
   * Raft index of the entry holding each broker's current registration. A broker has caught up
   * with the metadata log once it has applied this index (Kafka's registerBrokerRecordOffset).
   * When the image was loaded from a snapshot, this is the snapshot's index, as in Kafka.
   */
  readonly brokerRegistrationOffsets: ReadonlyMap<BrokerId, number>;
  readonly topicsById: ReadonlyMap<string, TopicImage>;
  readonly topicIdsByName: ReadonlyMap<string, string>;
  /** First producer id not yet handed out. */
  readonly nextProducerId: number;
}

export const EMPTY_IMAGE: MetadataImage = Object.freeze({
  offset: 0,
  brokers: new Map(),
  brokerRegistrationOffsets: new Map(),
  topicsById: new Map(),
  topicIdsByName: new Map(),
  nextProducerId: 0,
});

export function topicByName(image: MetadataImage, name: string): TopicImage | undefined {
  const id = image.topicIdsByName.get(name);
  return id === undefined ? undefined : image.topicsById.get(id);
}

export function partitionOf(image: MetadataImage, topicId: string, partition: number): PartitionRegistration | undefined {
  return image.topicsById.get(topicId)?.partitions.get(partition);
}

/** Every partition of every topic, topics in creation order, partitions in index order. */
export function* allPartitions(image: MetadataImage): Generator<PartitionRegistration> {
  for (const topic of image.topicsById.values()) {
    for (const p of [...topic.partitions.keys()].sort((a, b) => a - b)) yield topic.partitions.get(p)!;
  }
}

export function topicConfig(topic: TopicImage): ResolvedTopicConfig {
  return resolveTopicConfig(topic.configs);
}

/** Not fenced and not shutting down: may lead partitions and be added to ISRs. */
export function isActiveBroker(image: MetadataImage, brokerId: BrokerId): boolean {
  const broker = image.brokers.get(brokerId);
  return broker !== undefined && !broker.fenced && !broker.inControlledShutdown;
}

/** Brokers that may receive new replicas, in id order. */
export function activeBrokerIds(image: MetadataImage): BrokerId[] {
  return [...image.brokers.keys()].filter((id) => isActiveBroker(image, id)).sort((a, b) => a - b);
}

/** The largest broker epoch handed out so far, or 0. Registrations only ever replace lower epochs. */
export function highestBrokerEpoch(image: MetadataImage): number {
  let highest = 0;
  for (const broker of image.brokers.values()) highest = Math.max(highest, broker.brokerEpoch);
  return highest;
}

export function leadsAnyPartition(image: MetadataImage, brokerId: BrokerId): boolean {
  for (const p of allPartitions(image)) if (p.leader === brokerId) return true;
  return false;
}

export { applyRecords } from './image-writer.js';
export type { MetadataDelta, PartitionDelta } from './delta.js';
