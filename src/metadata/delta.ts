/**
 * What one batch of records changed, stated relative to the image before the batch, so a broker
 * can react without diffing images itself: become leader or follower, drop a deleted topic,
 * stop replicating from a fenced broker.
 */
import type { MetadataImage, TopicImage } from './image.js';
import type { BrokerId, BrokerRegistration, PartitionRegistration } from './types.js';

export interface PartitionDelta {
  /** Absent when the partition was created by this batch. */
  readonly previous?: PartitionRegistration;
  readonly current: PartitionRegistration;
}

export interface MetadataDelta {
  /** New registrations, including a restarted broker's re-registration under a new epoch. */
  readonly brokersRegistered: readonly BrokerRegistration[];
  /** Brokers that were unfenced before the batch and are fenced after it. */
  readonly brokersFenced: readonly BrokerId[];
  /** Brokers that are unfenced after the batch and were fenced or unknown before it. */
  readonly brokersUnfenced: readonly BrokerId[];
  readonly brokersInControlledShutdown: readonly BrokerId[];
  /** Topics created by the batch, as they are after it. */
  readonly topicsCreated: readonly TopicImage[];
  /** Topics deleted by the batch, as they were before it (with their partitions). */
  readonly topicsDeleted: readonly TopicImage[];
  /** Partitions created or changed, excluding those of deleted topics. */
  readonly partitionsChanged: readonly PartitionDelta[];
  /** Names of surviving topics whose config overrides changed. */
  readonly topicConfigsChanged: readonly string[];
  readonly producerIdsChanged: boolean;
}

export interface TouchedKeys {
  readonly brokers: ReadonlySet<BrokerId>;
  readonly topics: ReadonlySet<string>;
  readonly partitions: ReadonlyMap<string, ReadonlySet<number>>;
}

/** Compares the touched entries of two images; untouched entries are identical by construction. */
export function computeDelta(before: MetadataImage, after: MetadataImage, touched: TouchedKeys): MetadataDelta {
  const brokersRegistered: BrokerRegistration[] = [];
  const brokersFenced: BrokerId[] = [];
  const brokersUnfenced: BrokerId[] = [];
  const brokersInControlledShutdown: BrokerId[] = [];
  for (const id of [...touched.brokers].sort((a, b) => a - b)) {
    const prev = before.brokers.get(id);
    const next = after.brokers.get(id)!;
    if (prev?.brokerEpoch !== next.brokerEpoch) brokersRegistered.push(next);
    if (next.fenced && prev !== undefined && !prev.fenced) brokersFenced.push(id);
    if (!next.fenced && (prev === undefined || prev.fenced)) brokersUnfenced.push(id);
    if (next.inControlledShutdown && !prev?.inControlledShutdown) brokersInControlledShutdown.push(id);
  }

  const topicsCreated: TopicImage[] = [];
  const topicsDeleted: TopicImage[] = [];
  const topicConfigsChanged: string[] = [];
  for (const id of touched.topics) {
    const prev = before.topicsById.get(id);
    const next = after.topicsById.get(id);
    if (prev && !next) topicsDeleted.push(prev);
    else if (!prev && next) topicsCreated.push(next);
    else if (prev && next && prev.configs !== next.configs) topicConfigsChanged.push(next.name);
  }

  const partitionsChanged: PartitionDelta[] = [];
  for (const [topicId, partitions] of touched.partitions) {
    const nextTopic = after.topicsById.get(topicId);
    if (!nextTopic) continue;
    const prevTopic = before.topicsById.get(topicId);
    for (const p of [...partitions].sort((a, b) => a - b)) {
      const previous = prevTopic?.partitions.get(p);
      const current = nextTopic.partitions.get(p)!;
      if (previous === current) continue;
      partitionsChanged.push(previous ? { previous, current } : { current });
    }
  }

  return {
    brokersRegistered,
    brokersFenced,
    brokersUnfenced,
    brokersInControlledShutdown,
    topicsCreated,
    topicsDeleted,
    partitionsChanged,
    topicConfigsChanged,
    producerIdsChanged: before.nextProducerId !== after.nextProducerId,
  };
}
