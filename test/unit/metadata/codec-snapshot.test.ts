import { describe, expect, it } from 'vitest';
import { isBrokerError } from '../../../src/common/errors.js';
import { decodeRecords, encodeRecords } from '../../../src/metadata/codec.js';
import { applyRecords, EMPTY_IMAGE, type MetadataImage } from '../../../src/metadata/image.js';
import type { MetadataRecord } from '../../../src/metadata/records.js';
import { decodeSnapshot, encodeSnapshot, imageToRecords } from '../../../src/metadata/snapshot.js';
import { clusterRecords, register, topicWithPartitions } from './fixtures.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function expectCorrupt(input: Uint8Array): void {
  let thrown: unknown;
  try {
    decodeRecords(input);
  } catch (e) {
    thrown = e;
  }
  expect(isBrokerError(thrown, 'CORRUPT_MESSAGE')).toBe(true);
}

/** Everything but the registration offsets, which a snapshot sets to its own index. */
function comparable(image: MetadataImage): unknown {
  return {
    brokers: [...image.brokers.entries()],
    topics: [...image.topicsById.values()].map((t) => ({ ...t, partitions: [...t.partitions.entries()] })),
    names: [...image.topicIdsByName.entries()],
    nextProducerId: image.nextProducerId,
  };
}

describe('metadata record codec', () => {
  it('round-trips every record kind', () => {
    const records: MetadataRecord[] = [
      { ...register(1, 1), kafkaEndpoint: { host: 'localhost', port: 19092 } } as MetadataRecord,
      { type: 'FenceBroker', brokerId: 1, brokerEpoch: 1 },
      { type: 'UnfenceBroker', brokerId: 1, brokerEpoch: 1 },
      { type: 'BrokerControlledShutdown', brokerId: 1, brokerEpoch: 1 },
      ...topicWithPartitions('orders', 'tid', [[1, 2]], { 'retention.ms': '1000' }),
      { type: 'PartitionChange', topicId: 'tid', partition: 0, leader: -1 },
      { type: 'PartitionChange', topicId: 'tid', partition: 0, isr: [2] },
      { type: 'RemoveTopic', topicId: 'tid' },
      { type: 'ProducerIds', brokerId: 1, brokerEpoch: 1, nextProducerId: 2000 },
      { type: 'Config', topic: 'orders', key: 'retention.ms', value: null },
    ];
    expect(decodeRecords(encodeRecords(records))).toEqual(records);
  });

  it('rejects garbage with CORRUPT_MESSAGE', () => {
    expectCorrupt(new Uint8Array([0xff, 0xfe, 0x00]));
    expectCorrupt(bytes('{"v":1,"records":[{"type":"Topic"'));
    expectCorrupt(bytes('[]'));
    expectCorrupt(bytes('{"v":99,"records":[]}'));
    expectCorrupt(bytes('{"v":1,"records":[{"type":"Nope"}]}'));
    expectCorrupt(bytes('{"v":1,"records":[{"type":"RemoveTopic"}]}'));
    expectCorrupt(bytes('{"v":1,"records":[{"type":"RemoveTopic","topicId":"x","extra":1}]}'));
    expectCorrupt(bytes('{"v":1,"records":[{"type":"FenceBroker","brokerId":"1","brokerEpoch":1}]}'));
    expectCorrupt(bytes('{"v":1,"records":[{"type":"FenceBroker","brokerId":1.5,"brokerEpoch":1}]}'));
    expectCorrupt(bytes('{"v":1,"records":[{"type":"PartitionChange","topicId":"t","partition":0,"isr":[1,"2"]}]}'));
    expectCorrupt(bytes('{"v":1,"records":[{"type":"Topic","name":"t","topicId":"i","configs":{"a":1}}]}'));
    expectCorrupt(bytes('{"v":1,"records":[{"type":"RegisterBroker","brokerId":1,"brokerEpoch":1,"incarnationId":"x","endpoint":{"host":"h"}}]}'));
  });
});

describe('metadata snapshots', () => {
  it('rebuild the image they were taken from', () => {
    const { image: base } = applyRecords(EMPTY_IMAGE, clusterRecords(), 5);
    const { image } = applyRecords(
      base,
      [
        register(4, 9),
        { type: 'FenceBroker', brokerId: 2, brokerEpoch: 2 },
        { type: 'BrokerControlledShutdown', brokerId: 3, brokerEpoch: 3 },
        { type: 'PartitionChange', topicId: 'topic-orders', partition: 0, isr: [1, 3] },
        { type: 'PartitionChange', topicId: 'topic-orders', partition: 1, leader: 3, isr: [3] },
        { type: 'ProducerIds', brokerId: 1, brokerEpoch: 1, nextProducerId: 3000 },
        { type: 'Config', topic: 'orders', key: 'min.insync.replicas', value: '2' },
      ],
      12,
    );
    const restored = decodeSnapshot(encodeSnapshot(image), 12);
    expect(comparable(restored)).toEqual(comparable(image));
    expect(restored.offset).toBe(12);
    expect([...restored.brokerRegistrationOffsets.values()]).toEqual([12, 12, 12, 12]);
    expect(imageToRecords(restored)).toEqual(imageToRecords(image));
  });

  it('of an empty image rebuild an empty image', () => {
    const restored = decodeSnapshot(encodeSnapshot(EMPTY_IMAGE), 0);
    expect(comparable(restored)).toEqual(comparable(EMPTY_IMAGE));
    expect(imageToRecords(EMPTY_IMAGE)).toEqual([]);
  });

  it('refuse corrupt bytes', () => {
    expect(() => decodeSnapshot(bytes('not json'), 3)).toThrow(/CORRUPT_MESSAGE/);
  });
});
