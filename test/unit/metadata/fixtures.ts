import type { MetadataRecord } from '../../../src/metadata/records.js';

export function register(brokerId: number, brokerEpoch: number, incarnationId = `inc-${brokerId}-${brokerEpoch}`): MetadataRecord {
  return { type: 'RegisterBroker', brokerId, brokerEpoch, incarnationId, endpoint: { host: '127.0.0.1', port: 9000 + brokerId } };
}

export function unfence(brokerId: number, brokerEpoch: number): MetadataRecord {
  return { type: 'UnfenceBroker', brokerId, brokerEpoch };
}

export function fence(brokerId: number, brokerEpoch: number): MetadataRecord {
  return { type: 'FenceBroker', brokerId, brokerEpoch };
}

/** Records for a topic whose partition p has replicas rotated from `replicas`, all in the ISR. */
export function topicWithPartitions(
  name: string,
  topicId: string,
  replicaLists: readonly (readonly number[])[],
  configs: Record<string, string> = {},
): MetadataRecord[] {
  return [
    { type: 'Topic', name, topicId, configs },
    ...replicaLists.map(
      (replicas, partition): MetadataRecord => ({
        type: 'Partition',
        topicId,
        partition,
        replicas,
        isr: replicas,
        leader: replicas[0]!,
        leaderEpoch: 0,
        partitionEpoch: 0,
      }),
    ),
  ];
}

/** Three registered, unfenced brokers (epochs 1..3) and topic "orders" with two partitions. */
export function clusterRecords(): MetadataRecord[] {
  return [
    register(1, 1),
    register(2, 2),
    register(3, 3),
    unfence(1, 1),
    unfence(2, 2),
    unfence(3, 3),
    ...topicWithPartitions('orders', 'topic-orders', [
      [1, 2, 3],
      [2, 3, 1],
    ]),
  ];
}
