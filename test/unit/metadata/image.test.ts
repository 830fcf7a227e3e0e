import { describe, expect, it } from 'vitest';
import { AssertionFailure } from '../../../src/common/errors.js';
import {
  allPartitions,
  applyRecords,
  EMPTY_IMAGE,
  highestBrokerEpoch,
  partitionOf,
  topicByName,
  topicConfig,
  type MetadataImage,
} from '../../../src/metadata/image.js';
import type { MetadataRecord } from '../../../src/metadata/records.js';
import { NO_LEADER } from '../../../src/metadata/types.js';
import { clusterRecords, fence, register, topicWithPartitions, unfence } from './fixtures.js';

function build(records: MetadataRecord[], index = 1): MetadataImage {
  return applyRecords(EMPTY_IMAGE, records, index).image;
}

describe('applying metadata records', () => {
  it('registers brokers fenced, remembers the registration offset, and unfences them', () => {
    const { image, delta } = applyRecords(EMPTY_IMAGE, [register(1, 5)], 7);
    expect(image.brokers.get(1)).toMatchObject({ brokerId: 1, brokerEpoch: 5, fenced: true, inControlledShutdown: false });
    expect(image.brokerRegistrationOffsets.get(1)).toBe(7);
    expect(image.offset).toBe(7);
    expect(delta.brokersRegistered.map((b) => b.brokerId)).toEqual([1]);
    expect(delta.brokersUnfenced).toEqual([]);

    const next = applyRecords(image, [unfence(1, 5)], 8);
    expect(next.image.brokers.get(1)!.fenced).toBe(false);
    expect(next.delta.brokersUnfenced).toEqual([1]);
    expect(next.image.brokerRegistrationOffsets.get(1)).toBe(7);
  });

  it('reports a fenced broker in the delta and clears its controlled shutdown', () => {
    const base = build([register(1, 1), unfence(1, 1), { type: 'BrokerControlledShutdown', brokerId: 1, brokerEpoch: 1 }]);
    expect(base.brokers.get(1)!.inControlledShutdown).toBe(true);
    const { image, delta } = applyRecords(base, [fence(1, 1)], 2);
    expect(delta.brokersFenced).toEqual([1]);
    expect(image.brokers.get(1)).toMatchObject({ fenced: true, inControlledShutdown: false });
  });

  it('treats a re-registration as a new registration that starts fenced', () => {
    const base = build([register(1, 1), unfence(1, 1)]);
    const { image, delta } = applyRecords(base, [register(1, 4, 'restarted')], 9);
    expect(image.brokers.get(1)).toMatchObject({ brokerEpoch: 4, incarnationId: 'restarted', fenced: true });
    expect(delta.brokersRegistered.map((b) => b.brokerEpoch)).toEqual([4]);
    expect(delta.brokersFenced).toEqual([1]);
    expect(highestBrokerEpoch(image)).toBe(4);
  });

  it('rejects broker records carrying a stale epoch as a broken log', () => {
    const base = build([register(1, 3)]);
    expect(() => applyRecords(base, [unfence(1, 2)], 2)).toThrow(AssertionFailure);
    expect(() => applyRecords(base, [register(1, 3)], 2)).toThrow(AssertionFailure);
    expect(() => applyRecords(base, [fence(9, 1)], 2)).toThrow(AssertionFailure);
  });

  it('creates topics with partitions and reports them in the delta', () => {
    const { image, delta } = applyRecords(EMPTY_IMAGE, clusterRecords(), 3);
    const topic = topicByName(image, 'orders')!;
    expect(topic.topicId).toBe('topic-orders');
    expect(partitionOf(image, 'topic-orders', 1)).toMatchObject({
      topic: 'orders',
      replicas: [2, 3, 1],
      isr: [2, 3, 1],
      leader: 2,
      leaderEpoch: 0,
      partitionEpoch: 0,
    });
    expect(delta.topicsCreated.map((t) => t.name)).toEqual(['orders']);
    expect(delta.partitionsChanged.map((p) => [p.current.partition, p.previous])).toEqual([
      [0, undefined],
      [1, undefined],
    ]);
    expect([...allPartitions(image)].length).toBe(2);
  });

  it('bumps the leader epoch on a leader change and the partition epoch on any change', () => {
    const base = build(clusterRecords());
    const isrOnly = applyRecords(base, [{ type: 'PartitionChange', topicId: 'topic-orders', partition: 0, isr: [1, 2] }], 2);
    expect(partitionOf(isrOnly.image, 'topic-orders', 0)).toMatchObject({ isr: [1, 2], leader: 1, leaderEpoch: 0, partitionEpoch: 1 });

    const leader = applyRecords(isrOnly.image, [{ type: 'PartitionChange', topicId: 'topic-orders', partition: 0, leader: 2, isr: [2] }], 3);
    const p = partitionOf(leader.image, 'topic-orders', 0)!;
    expect(p).toMatchObject({ isr: [2], leader: 2, leaderEpoch: 1, partitionEpoch: 2 });
    expect(leader.delta.partitionsChanged).toHaveLength(1);
    expect(leader.delta.partitionsChanged[0]!.previous).toMatchObject({ leader: 1, leaderEpoch: 0 });
    expect(leader.delta.partitionsChanged[0]!.current).toBe(p);

    const offline = applyRecords(leader.image, [{ type: 'PartitionChange', topicId: 'topic-orders', partition: 0, leader: NO_LEADER }], 4);
    expect(partitionOf(offline.image, 'topic-orders', 0)).toMatchObject({ leader: NO_LEADER, leaderEpoch: 2, partitionEpoch: 3 });
  });

  it('refuses partition changes that break the ISR rules', () => {
    const base = build(clusterRecords());
    const change = (c: Partial<{ leader: number; isr: number[] }>, partition = 0): MetadataRecord => ({
      type: 'PartitionChange',
      topicId: 'topic-orders',
      partition,
      ...c,
    });
    expect(() => applyRecords(base, [change({ isr: [1, 4] })], 2)).toThrow(/outside replicas/);
    expect(() => applyRecords(base, [change({ isr: [] })], 2)).toThrow(/non-empty/);
    expect(() => applyRecords(base, [change({ leader: 3, isr: [1, 2] })], 2)).toThrow(/not in ISR/);
    expect(() => applyRecords(base, [change({ isr: [1] }, 7)], 2)).toThrow(/unknown partition/);
  });

  it('deletes a topic, reporting it with its partitions and freeing its name', () => {
    const base = build(clusterRecords());
    const { image, delta } = applyRecords(base, [{ type: 'RemoveTopic', topicId: 'topic-orders' }], 2);
    expect(image.topicsById.size).toBe(0);
    expect(topicByName(image, 'orders')).toBeUndefined();
    expect(delta.topicsDeleted.map((t) => [t.name, t.partitions.size])).toEqual([['orders', 2]]);
    expect(delta.partitionsChanged).toEqual([]);
    const again = applyRecords(image, topicWithPartitions('orders', 'topic-orders-2', [[1]]), 3);
    expect(topicByName(again.image, 'orders')!.topicId).toBe('topic-orders-2');
  });

  it('shares untouched maps with the previous image and never mutates it', () => {
    const base = build([...clusterRecords(), ...topicWithPartitions('audit', 'topic-audit', [[3, 1, 2]])]);
    const before = partitionOf(base, 'topic-orders', 0);
    const { image } = applyRecords(base, [{ type: 'PartitionChange', topicId: 'topic-orders', partition: 0, isr: [1] }], 2);
    expect(image.brokers).toBe(base.brokers);
    expect(image.topicIdsByName).toBe(base.topicIdsByName);
    expect(image.topicsById).not.toBe(base.topicsById);
    expect(image.topicsById.get('topic-audit')).toBe(base.topicsById.get('topic-audit'));
    expect(partitionOf(image, 'topic-orders', 1)).toBe(partitionOf(base, 'topic-orders', 1));
    expect(partitionOf(base, 'topic-orders', 0)).toBe(before);
    expect(before!.isr).toEqual([1, 2, 3]);
  });

  it('applies config overrides over Kafka defaults', () => {
    const base = build(topicWithPartitions('t', 'id-t', [[1]], { 'min.insync.replicas': '2' }));
    expect(topicConfig(topicByName(base, 't')!)).toMatchObject({
      minInsyncReplicas: 2,
      uncleanLeaderElectionEnable: false,
      retentionMs: 604800000,
      retentionBytes: -1,
      segmentBytes: 1073741824,
      maxMessageBytes: 1048588,
    });
    const { image, delta } = applyRecords(
      base,
      [
        { type: 'Config', topic: 't', key: 'unclean.leader.election.enable', value: 'true' },
        { type: 'Config', topic: 't', key: 'min.insync.replicas', value: null },
      ],
      2,
    );
    expect(topicConfig(topicByName(image, 't')!)).toMatchObject({ minInsyncReplicas: 1, uncleanLeaderElectionEnable: true });
    expect(delta.topicConfigsChanged).toEqual(['t']);
  });

  it('moves the next producer id forward only', () => {
    const base = build([register(1, 1), { type: 'ProducerIds', brokerId: 1, brokerEpoch: 1, nextProducerId: 1000 }]);
    expect(base.nextProducerId).toBe(1000);
    expect(() => applyRecords(base, [{ type: 'ProducerIds', brokerId: 1, brokerEpoch: 1, nextProducerId: 1000 }], 2)).toThrow(
      AssertionFailure,
    );
  });

  it('refuses to go back in the log', () => {
    const base = build([register(1, 1)], 10);
    expect(() => applyRecords(base, [], 9)).toThrow(AssertionFailure);
  });
});
