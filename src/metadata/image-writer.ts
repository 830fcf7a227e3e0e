/**
 * Applies one batch of records to an image. Each map is copied at most once per batch, on first
 * write, and only if the batch writes to it: everything else is shared with the previous image.
 * A topic's partitions are a `PartitionTable`, of which a batch copies only the chunks it changes.
 * A record that does not fit the image (unknown broker or topic, stale epoch, an ISR outside the
 * replicas) means the log itself is wrong: it is an assertion failure, never skipped.
 */
import { assert } from '../common/errors.js';
import { computeDelta, type MetadataDelta } from './delta.js';
import type { MetadataImage, TopicImage } from './image.js';
import { PartitionTable, type PartitionTableDraft } from './partition-table.js';
import type {
  ConfigRecord,
  MetadataRecord,
  PartitionChangeRecord,
  PartitionRecord,
  RegisterBrokerRecord,
  TopicRecord,
} from './records.js';
import { NO_LEADER, type BrokerId, type BrokerRegistration, type PartitionRegistration } from './types.js';

export function applyRecords(
  image: MetadataImage,
  records: readonly MetadataRecord[],
  index: number,
): { image: MetadataImage; delta: MetadataDelta } {
  assert(index >= image.offset, `metadata index ${index} is behind the image at ${image.offset}`);
  const writer = new ImageWriter(image);
  for (const record of records) writer.apply(record, index);
  const next = writer.finish(index);
  return { image: next, delta: computeDelta(image, next, writer.touched) };
}

class ImageWriter {
  private brokers: Map<BrokerId, BrokerRegistration> | undefined;
  private registrationOffsets: Map<BrokerId, number> | undefined;
  private topicsById: Map<string, TopicImage> | undefined;
  private topicIdsByName: Map<string, string> | undefined;
  private nextProducerId: number;
  /** The partitions this batch changes, per topic; they become the topics' tables at `finish`. */
  private readonly partitionDrafts = new Map<string, PartitionTableDraft>();
  readonly touched = {
    brokers: new Set<BrokerId>(),
    topics: new Set<string>(),
    partitions: new Map<string, Set<number>>(),
  };

  constructor(private readonly base: MetadataImage) {
    this.nextProducerId = base.nextProducerId;
  }

  apply(record: MetadataRecord, index: number): void {
    switch (record.type) {
      case 'RegisterBroker':
        return this.registerBroker(record, index);
      case 'FenceBroker':
        return this.changeBroker(record.brokerId, record.brokerEpoch, record.type, (b) => {
          return { ...b, fenced: true, inControlledShutdown: false };
        });
      case 'UnfenceBroker':
        return this.changeBroker(record.brokerId, record.brokerEpoch, record.type, (b) => {
          return { ...b, fenced: false };
        });
      case 'BrokerControlledShutdown':
        return this.changeBroker(record.brokerId, record.brokerEpoch, record.type, (b) => {
          assert(!b.fenced, `broker ${b.brokerId} cannot enter controlled shutdown while fenced`);
          return { ...b, inControlledShutdown: true };
        });
      case 'Topic':
        return this.createTopic(record);
      case 'Partition':
        return this.putPartition(record);
      case 'PartitionChange':
        return this.changePartition(record);
      case 'RemoveTopic':
        return this.removeTopic(record.topicId);
      case 'ProducerIds':
        assert(
          record.nextProducerId > this.nextProducerId,
          `producer ids must move forward: ${record.nextProducerId} <= ${this.nextProducerId}`,
        );
        this.nextProducerId = record.nextProducerId;
        return;
      case 'Config':
        return this.changeConfig(record);
    }
  }

  finish(index: number): MetadataImage {
    if (this.partitionDrafts.size > 0) {
      const byId = this.writableTopics();
      for (const [topicId, draft] of this.partitionDrafts) byId.set(topicId, { ...byId.get(topicId)!, partitions: draft.finish() });
    }
    return Object.freeze({
      offset: index,
      brokers: this.brokers ?? this.base.brokers,
      brokerRegistrationOffsets: this.registrationOffsets ?? this.base.brokerRegistrationOffsets,
      topicsById: this.topicsById ?? this.base.topicsById,
      topicIdsByName: this.topicIdsByName ?? this.base.topicIdsByName,
      nextProducerId: this.nextProducerId,
    });
  }

  private registerBroker(record: RegisterBrokerRecord, index: number): void {
    const brokers = this.writableBrokers();
    const previous = brokers.get(record.brokerId);
    assert(
      previous === undefined || record.brokerEpoch > previous.brokerEpoch,
      `broker ${record.brokerId} registered with epoch ${record.brokerEpoch}, not above ${previous?.brokerEpoch}`,
    );
    const registration: BrokerRegistration = {
      brokerId: record.brokerId,
      brokerEpoch: record.brokerEpoch,
      incarnationId: record.incarnationId,
      endpoint: record.endpoint,
      ...(record.kafkaEndpoint ? { kafkaEndpoint: record.kafkaEndpoint } : {}),
      // Every registration starts fenced: the broker must first catch up with the metadata log.
      fenced: true,
      inControlledShutdown: false,
    };
    brokers.set(record.brokerId, registration);
    this.registrationOffsets ??= new Map(this.base.brokerRegistrationOffsets);
    this.registrationOffsets.set(record.brokerId, index);
    this.touched.brokers.add(record.brokerId);
  }

  private changeBroker(
    brokerId: BrokerId,
    brokerEpoch: number,
    kind: string,
    change: (b: BrokerRegistration) => BrokerRegistration,
  ): void {
    const brokers = this.writableBrokers();
    const current = brokers.get(brokerId);
    assert(current !== undefined, `${kind} for unregistered broker ${brokerId}`);
    assert(current.brokerEpoch === brokerEpoch, `${kind} for broker ${brokerId} epoch ${brokerEpoch}, registered ${current.brokerEpoch}`);
    brokers.set(brokerId, change(current));
    this.touched.brokers.add(brokerId);
  }

  private createTopic(record: TopicRecord): void {
    const byId = this.writableTopics();
    const byName = this.writableTopicNames();
    assert(!byId.has(record.topicId), `topic id ${record.topicId} already exists`);
    assert(!byName.has(record.name), `topic ${record.name} already exists`);
    byId.set(record.topicId, { topicId: record.topicId, name: record.name, configs: { ...record.configs }, partitions: PartitionTable.EMPTY });
    byName.set(record.name, record.topicId);
    this.touched.topics.add(record.topicId);
  }

  private putPartition(record: PartitionRecord): void {
    const topic = this.topicOrFail(record.topicId, record.type);
    this.setPartition(topic, {
      topicId: record.topicId,
      topic: topic.name,
      partition: record.partition,
      replicas: [...record.replicas],
      isr: [...record.isr],
      leader: record.leader,
      leaderEpoch: record.leaderEpoch,
      partitionEpoch: record.partitionEpoch,
    });
  }

  private changePartition(record: PartitionChangeRecord): void {
    const topic = this.topicOrFail(record.topicId, record.type);
    const current = (this.partitionDrafts.get(topic.topicId) ?? topic.partitions).get(record.partition);
    assert(current !== undefined, `PartitionChange for unknown partition ${topic.name}-${record.partition}`);
    const leaderChanged = record.leader !== undefined;
    this.setPartition(topic, {
      ...current,
      isr: record.isr ? [...record.isr] : current.isr,
      leader: leaderChanged ? record.leader! : current.leader,
      leaderEpoch: leaderChanged ? current.leaderEpoch + 1 : current.leaderEpoch,
      partitionEpoch: current.partitionEpoch + 1,
    });
  }

  private setPartition(topic: TopicImage, partition: PartitionRegistration): void {
    checkPartitionInvariants(partition);
    let draft = this.partitionDrafts.get(topic.topicId);
    if (!draft) {
      draft = asTable(topic.partitions).draft();
      this.partitionDrafts.set(topic.topicId, draft);
    }
    draft.set(partition);
    let touched = this.touched.partitions.get(topic.topicId);
    if (!touched) this.touched.partitions.set(topic.topicId, (touched = new Set()));
    touched.add(partition.partition);
  }

  private removeTopic(topicId: string): void {
    const topic = this.topicOrFail(topicId, 'RemoveTopic');
    this.writableTopics().delete(topicId);
    this.writableTopicNames().delete(topic.name);
    this.partitionDrafts.delete(topicId);
    this.touched.topics.add(topicId);
  }

  private changeConfig(record: ConfigRecord): void {
    const topicId = (this.topicIdsByName ?? this.base.topicIdsByName).get(record.topic);
    assert(topicId !== undefined, `Config for unknown topic ${record.topic}`);
    const topic = this.topicOrFail(topicId, record.type);
    const configs = { ...topic.configs };
    if (record.value === null) delete configs[record.key];
    else configs[record.key] = record.value;
    this.writableTopics().set(topicId, { ...topic, configs });
    this.touched.topics.add(topicId);
  }

  private topicOrFail(topicId: string, kind: string): TopicImage {
    const topic = (this.topicsById ?? this.base.topicsById).get(topicId);
    assert(topic !== undefined, `${kind} for unknown topic id ${topicId}`);
    return topic;
  }

  private writableBrokers(): Map<BrokerId, BrokerRegistration> {
    return (this.brokers ??= new Map(this.base.brokers));
  }

  private writableTopics(): Map<string, TopicImage> {
    return (this.topicsById ??= new Map(this.base.topicsById));
  }

  private writableTopicNames(): Map<string, string> {
    return (this.topicIdsByName ??= new Map(this.base.topicIdsByName));
  }
}

/** Images made by this writer hold `PartitionTable`s; one built elsewhere (a test's) is converted once. */
function asTable(partitions: TopicImage['partitions']): PartitionTable {
  return partitions instanceof PartitionTable ? partitions : PartitionTable.of(partitions.values());
}

function checkPartitionInvariants(p: PartitionRegistration): void {
  const name = `${p.topic}-${p.partition}`;
  assert(Number.isInteger(p.partition) && p.partition >= 0, `${name}: bad partition index`);
  assert(p.replicas.length > 0 && new Set(p.replicas).size === p.replicas.length, `${name}: replicas must be distinct and non-empty`);
  assert(p.isr.length > 0 && new Set(p.isr).size === p.isr.length, `${name}: ISR must be distinct and non-empty`);
  assert(p.isr.every((b) => p.replicas.includes(b)), `${name}: ISR ${p.isr} outside replicas ${p.replicas}`);
  assert(p.leader === NO_LEADER || p.isr.includes(p.leader), `${name}: leader ${p.leader} not in ISR ${p.isr}`);
  assert(p.leaderEpoch >= 0 && p.partitionEpoch >= 0, `${name}: negative epoch`);
}
