// The pure rules behind the node's gauges and event counters, apart from prom-client.
import { describe, expect, it } from 'vitest';
import type { PartitionStatus } from '../../../src/broker/index.js';
import { EMPTY_IMAGE, type MetadataImage } from '../../../src/metadata/index.js';
import { NO_LEADER, type BrokerRegistration, type PartitionRegistration } from '../../../src/metadata/types.js';
import { controllerFigures } from '../../../src/node/metrics/controller-figures.js';
import { metadataChangeCounts } from '../../../src/node/metrics/metadata-change-counts.js';
import { replicaFigures } from '../../../src/node/metrics/replica-figures.js';

function replica(partition: number, role: PartitionStatus['role'], isr: number[], topic = 'orders'): PartitionStatus {
  return {
    topicId: 't1',
    topic,
    partition,
    role,
    leader: role === 'leader' ? 1 : 2,
    leaderEpoch: 0,
    partitionEpoch: 0,
    replicas: [1, 2, 3],
    isr,
    highWatermark: 0,
    logStartOffset: 0,
    logEndOffset: 0,
    followers: [],
  };
}

function registration(partition: number, leader: number, isr: number[], replicas = [1, 2, 3]): PartitionRegistration {
  return { topicId: 't1', topic: 'orders', partition, replicas, isr, leader, leaderEpoch: 0, partitionEpoch: 0 };
}

describe('replica figures', () => {
  it('counts under-replicated and min-ISR state on the leader only', () => {
    const figures = replicaFigures(
      [replica(0, 'leader', [1, 2, 3]), replica(1, 'leader', [1, 2]), replica(2, 'leader', [1]), replica(3, 'follower', [2]), replica(4, 'none', [])],
      () => 2,
    );
    expect(figures).toMatchObject({ partitionCount: 5, leaderCount: 3, underReplicated: 2, underMinIsr: 1, atMinIsr: 1 });
    expect(figures.led.map((p) => [p.partition, p.underReplicated, p.underMinIsr])).toEqual([
      [0, false, false],
      [1, true, false],
      [2, true, true],
    ]);
  });
});

describe('metadata change counts', () => {
  it('counts ISR shrinks and expands of partitions this node leads before and after', () => {
    const delta = {
      partitionsChanged: [
        { previous: registration(0, 1, [1, 2, 3]), current: registration(0, 1, [1, 3]) }, // shrink on 1
        { previous: registration(1, 1, [1, 3]), current: registration(1, 1, [1, 2, 3]) }, // expand on 1
        { previous: registration(2, 2, [2, 1]), current: registration(2, 2, [2]) }, // led by 2: not node 1's
        { current: registration(3, 1, [1, 2, 3]) }, // created
      ],
    };
    expect(metadataChangeCounts(delta, 1)).toEqual({ isrShrinks: 1, isrExpands: 1, leaderElections: 0, uncleanLeaderElections: 0 });
    expect(metadataChangeCounts(delta, 2)).toMatchObject({ isrShrinks: 1, isrExpands: 0 });
  });

  it('counts leader elections, unclean when the new leader was not in the ISR, and not a partition going offline', () => {
    const delta = {
      partitionsChanged: [
        { previous: registration(0, 2, [2, 1, 3]), current: registration(0, 1, [1, 3]) }, // clean
        { previous: registration(1, 2, [2]), current: registration(1, 3, [3]) }, // unclean
        { previous: registration(2, 2, [2]), current: registration(2, NO_LEADER, [2]) }, // offline
      ],
    };
    expect(metadataChangeCounts(delta, 1)).toEqual({ isrShrinks: 0, isrExpands: 0, leaderElections: 2, uncleanLeaderElections: 1 });
  });
});

describe('controller figures', () => {
  it('counts offline partitions, preferred-leader imbalance and fenced brokers from the image', () => {
    const broker = (brokerId: number, fenced: boolean): BrokerRegistration => ({
      brokerId,
      brokerEpoch: 1,
      incarnationId: `i${brokerId}`,
      endpoint: { host: '127.0.0.1', port: 1 },
      fenced,
      inControlledShutdown: false,
    });
    const partitions = new Map([
      [0, registration(0, 1, [1, 2, 3])],
      [1, registration(1, 2, [2, 3], [1, 2, 3])],
      [2, registration(2, NO_LEADER, [1], [1, 2, 3])],
    ]);
    const image: MetadataImage = {
      ...EMPTY_IMAGE,
      brokers: new Map([
        [1, broker(1, true)],
        [2, broker(2, false)],
        [3, broker(3, false)],
      ]),
      topicsById: new Map([['t1', { topicId: 't1', name: 'orders', configs: {}, partitions }]]),
    };
    expect(controllerFigures(image)).toEqual({ offlinePartitions: 1, preferredReplicaImbalance: 1, fencedBrokers: 1, activeBrokers: 2, topics: 1, partitions: 3 });
  });
});
