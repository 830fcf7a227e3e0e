/**
 * Snapshots of the metadata image for Raft: a snapshot is the list of records that rebuilds the
 * image from empty, encoded like any batch. Loading a snapshot at index N is applying those records
 * at N, so brokers' registration offsets become N, as when Kafka loads a metadata snapshot.
 */
import { decodeRecords, encodeRecords } from './codec.js';
import { allPartitions, applyRecords, EMPTY_IMAGE, type MetadataImage } from './image.js';
import type { MetadataRecord } from './records.js';

/** Records that rebuild `image`: brokers with their state, then topics, partitions, producer ids. */
export function imageToRecords(image: MetadataImage): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  for (const broker of [...image.brokers.values()].sort((a, b) => a.brokerId - b.brokerId)) {
    const { brokerId, brokerEpoch } = broker;
    records.push({
      type: 'RegisterBroker',
      brokerId,
      brokerEpoch,
      incarnationId: broker.incarnationId,
      endpoint: broker.endpoint,
      ...(broker.kafkaEndpoint ? { kafkaEndpoint: broker.kafkaEndpoint } : {}),
    });
    if (!broker.fenced) records.push({ type: 'UnfenceBroker', brokerId, brokerEpoch });
    if (broker.inControlledShutdown) records.push({ type: 'BrokerControlledShutdown', brokerId, brokerEpoch });
  }
  for (const topic of image.topicsById.values()) {
    records.push({ type: 'Topic', name: topic.name, topicId: topic.topicId, configs: topic.configs });
  }
  for (const p of allPartitions(image)) {
    records.push({
      type: 'Partition',
      topicId: p.topicId,
      partition: p.partition,
      replicas: p.replicas,
      isr: p.isr,
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
    });
  }
  if (image.nextProducerId > 0) {
    records.push({ type: 'ProducerIds', brokerId: -1, brokerEpoch: -1, nextProducerId: image.nextProducerId });
  }
  return records;
}

export function encodeSnapshot(image: MetadataImage): Uint8Array {
  return encodeRecords(imageToRecords(image));
}

/** Rebuilds the image a snapshot taken at Raft index `index` describes. Throws CORRUPT_MESSAGE on garbage. */
export function decodeSnapshot(bytes: Uint8Array, index: number): MetadataImage {
  return applyRecords(EMPTY_IMAGE, decodeRecords(bytes), index).image;
}
