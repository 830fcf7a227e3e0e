import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { errors } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import type { PartitionLog } from '../../../src/log/types.js';
import type { AlterPartitionRequest, PartitionRegistration } from '../../../src/metadata/types.js';
import type { ConsumerFetchResponse, ReplicaFetchResponse } from '../../../src/broker/fetch-messages.js';
import type { ProduceResponse } from '../../../src/broker/produce-messages.js';
import { ReplicaManager } from '../../../src/broker/replica-manager.js';
import { ACKS_ALL, ACKS_LEADER } from '../../../src/broker/types.js';
import { flush } from './cluster-harness.js';
import { batch, followerFetchRequest, memoryLog, registration, valuesIn } from './helpers.js';

interface Harness {
  clock: ManualClock;
  rm: ReplicaManager;
  deleted: string[];
  sent: Array<{ request: AlterPartitionRequest; resolve: (r: PartitionRegistration) => void; reject: (e: Error) => void }>;
}

function brokerTwo(): Harness {
  const clock = new ManualClock(0);
  const deleted: string[] = [];
  const sent: Harness['sent'] = [];
  const rm = new ReplicaManager({
    brokerId: 2,
    brokerEpoch: () => 7,
    clock,
    logger: silentLogger(),
    timing: { replicaLagTimeMaxMs: 1_000, replicaFetchWaitMaxMs: 100, replicaFetchBackoffMs: 100, replicaSocketTimeoutMs: 2_000, requestTimeoutMs: 2_000 },
    openLog: (topic, partition) => memoryLog(clock, topic, partition),
    deleteLog: (log: PartitionLog) => {
      log.close();
      deleted.push(`${log.topic}-${log.partition}`);
    },
    sendAlterPartition: (request) => new Promise((resolve, reject) => sent.push({ request, resolve, reject })),
    limits: { alterPartitionRetryMs: 50 },
  });
  return { clock, rm, deleted, sent };
}

function produce(rm: ReplicaManager, topic: string, partition: number, acks: number, count = 1): { response?: ProduceResponse } {
  const holder: { response?: ProduceResponse } = {};
  rm.produce({ acks, timeoutMs: 1_000, partitions: [{ topic, partition, records: batch(count) }] }, (r) => (holder.response = r));
  return holder;
}

const led = (p: number, fields: Partial<PartitionRegistration> = {}): PartitionRegistration =>
  registration({ partition: p, leader: 2, replicas: [2, 1], isr: [2, 1], ...fields });

describe('replica manager roles from metadata', () => {
  it('leads, follows or ignores each partition as assigned, and routes requests with Kafka errors', () => {
    const { rm } = brokerTwo();
    const changes = rm.applyMetadata({
      partitions: [led(0), led(1, { leader: 1 }), registration({ partition: 2, leader: 1, replicas: [1, 3], isr: [1, 3] })],
    });
    expect(changes).toEqual({
      becameLeader: [{ topic: 'orders', partition: 0 }],
      becameFollower: [{ topic: 'orders', partition: 1 }],
      removed: [],
    });
    expect(rm.status().map((s) => [s.partition, s.role, s.leader])).toEqual([
      [0, 'leader', 2],
      [1, 'follower', 1],
    ]);
    expect([...rm.followerPartitionsByLeader()].map(([leader, ps]) => [leader, ps.map((p) => p.partition)])).toEqual([[1, [1]]]);

    expect(produce(rm, 'orders', 0, ACKS_LEADER).response?.partitions[0]?.error).toBeUndefined();
    expect(produce(rm, 'orders', 1, ACKS_LEADER).response?.partitions[0]?.error?.kafkaName).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(produce(rm, 'orders', 2, ACKS_LEADER).response?.partitions[0]?.error?.kafkaName).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(produce(rm, 'payments', 0, ACKS_LEADER).response?.partitions[0]?.error?.kafkaName).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect(produce(rm, 'orders', 0, 5).response?.partitions[0]?.error?.kafkaName).toBe('INVALID_REQUIRED_ACKS');
  });

  it('switches roles on a newer leader epoch and ignores stale registrations', () => {
    const { rm } = brokerTwo();
    rm.applyMetadata({ partitions: [led(0, { leader: 1, leaderEpoch: 3 })] });
    expect(rm.applyMetadata({ partitions: [led(0, { leaderEpoch: 2 })] }).becameLeader).toEqual([]);
    expect(rm.getPartition('orders', 0)?.role()).toBe('follower');
    expect(rm.applyMetadata({ partitions: [led(0, { leaderEpoch: 4 })] }).becameLeader).toEqual([{ topic: 'orders', partition: 0 }]);
    expect(rm.getPartition('orders', 0)?.role()).toBe('leader');
    // An ISR update within the same epoch is not a role change.
    const update = rm.applyMetadata({ partitions: [led(0, { leaderEpoch: 4, partitionEpoch: 1, isr: [2] })] });
    expect(update.becameLeader).toEqual([]);
    expect(rm.getPartition('orders', 0)?.isr()).toEqual([2]);
  });

  it('drops replicas moved elsewhere and deleted topics, closing their logs', () => {
    const { rm, deleted } = brokerTwo();
    rm.applyMetadata({ partitions: [led(0), led(1)] });
    const moved = rm.applyMetadata({ partitions: [led(0, { replicas: [1, 3], isr: [1, 3], leader: 1, leaderEpoch: 1, partitionEpoch: 1 })] });
    expect(moved.removed).toEqual([{ topic: 'orders', partition: 0 }]);
    expect(produce(rm, 'orders', 0, ACKS_LEADER).response?.partitions[0]?.error?.kafkaName).toBe('NOT_LEADER_OR_FOLLOWER');

    expect(rm.applyMetadata({ removedTopicIds: ['id-orders'] }).removed).toEqual([{ topic: 'orders', partition: 1 }]);
    expect(deleted).toEqual(['orders-0', 'orders-1']);
    expect(rm.status()).toEqual([]);
    expect(produce(rm, 'orders', 1, ACKS_LEADER).response?.partitions[0]?.error?.kafkaName).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('fails a waiting acks=all produce when the partition becomes a follower', () => {
    const { rm } = brokerTwo();
    rm.applyMetadata({ partitions: [led(0)] });
    const pending = produce(rm, 'orders', 0, ACKS_ALL);
    expect(pending.response).toBeUndefined();
    rm.applyMetadata({ partitions: [led(0, { leader: 1, leaderEpoch: 1, partitionEpoch: 1 })] });
    expect(pending.response?.partitions[0]?.error?.kafkaName).toBe('NOT_LEADER_OR_FOLLOWER');
  });
});

describe('long polls', () => {
  function consumerFetch(rm: ReplicaManager, fetchOffset: number, maxWaitMs: number): { response?: ConsumerFetchResponse } {
    const holder: { response?: ConsumerFetchResponse } = {};
    rm.handleConsumerFetch(
      { maxWaitMs, minBytes: 1, maxBytes: 1 << 20, partitions: [{ topic: 'orders', partition: 0, fetchOffset }] },
      (r) => (holder.response = r),
    );
    return holder;
  }

  it('answer a consumer as soon as committed data arrives', () => {
    const { clock, rm } = brokerTwo();
    rm.applyMetadata({ partitions: [led(0, { isr: [2] })] });
    const poll = consumerFetch(rm, 0, 500);
    clock.advance(200);
    expect(poll.response).toBeUndefined();
    produce(rm, 'orders', 0, ACKS_LEADER, 2);
    expect(valuesIn(poll.response!.partitions[0]!.records)).toEqual(['v-0', 'v-1']);
    expect(poll.response!.partitions[0]!.highWatermark).toBe(2);
  });

  it('answer a consumer with nothing after maxWaitMs when no data arrives', () => {
    const { clock, rm } = brokerTwo();
    rm.applyMetadata({ partitions: [led(0, { isr: [2] })] });
    const poll = consumerFetch(rm, 0, 500);
    clock.advance(499);
    expect(poll.response).toBeUndefined();
    clock.advance(1);
    expect(poll.response?.partitions[0]).toMatchObject({ highWatermark: 0, records: Buffer.alloc(0) });
  });

  it('do not wake a consumer for data that is not yet committed', () => {
    const { clock, rm } = brokerTwo();
    rm.applyMetadata({ partitions: [led(0)] });
    const poll = consumerFetch(rm, 0, 500);
    produce(rm, 'orders', 0, ACKS_LEADER);
    expect(poll.response).toBeUndefined();
    clock.advance(500);
    expect(poll.response?.partitions[0]?.records.length).toBe(0);
  });

  it('answer a follower as soon as the leader appends', () => {
    const { clock, rm } = brokerTwo();
    rm.applyMetadata({ partitions: [led(0)] });
    let response: ReplicaFetchResponse | undefined;
    rm.handleReplicaFetch(followerFetchRequest([{}], 500), (r) => (response = r));
    clock.advance(100);
    expect(response).toBeUndefined();
    produce(rm, 'orders', 0, ACKS_LEADER, 3);
    expect(valuesIn(response!.partitions[0]!.records)).toEqual(['v-0', 'v-1', 'v-2']);
  });

  it('leave out of a follower\'s answer the partitions with nothing it does not already know', () => {
    const { clock, rm } = brokerTwo();
    rm.applyMetadata({ partitions: [led(0), led(1)] });
    produce(rm, 'orders', 0, ACKS_LEADER, 2);
    const fetchBoth = (knownHighWatermark: number, fetchOffset: number): ReplicaFetchResponse => {
      let response: ReplicaFetchResponse | undefined;
      rm.handleReplicaFetch(
        followerFetchRequest([
          { partition: 0, fetchOffset, lastFetchedEpoch: fetchOffset > 0 ? 0 : -1, knownHighWatermark },
          { partition: 1, knownHighWatermark: 0 },
        ]),
        (r) => (response = r),
      );
      clock.advance(0);
      return response!;
    };
    // Partition 0 has records to send; partition 1 (empty, high watermark 0, known) is left out.
    expect(fetchBoth(-1, 0).partitions.map((p) => [p.partition, valuesIn(p.records).length])).toEqual([[0, 2]]);
    // Caught up: the leader's high watermark moves to 2, news the follower has not heard yet.
    expect(fetchBoth(0, 2).partitions.map((p) => [p.partition, p.highWatermark])).toEqual([[0, 2]]);
    // Caught up and told: nothing to say about either partition.
    expect(fetchBoth(2, 2).partitions).toEqual([]);
  });

  it('answer at once with the error when leadership moves away', () => {
    const { rm } = brokerTwo();
    rm.applyMetadata({ partitions: [led(0, { isr: [2] })] });
    const poll = consumerFetch(rm, 0, 500);
    rm.applyMetadata({ partitions: [led(0, { leader: 1, leaderEpoch: 1, partitionEpoch: 1 })] });
    expect(poll.response?.partitions[0]?.error?.kafkaName).toBe('NOT_LEADER_OR_FOLLOWER');
  });
});

describe('ISR changes sent to the controller', () => {
  it('sends a shrink found by the periodic check and applies the committed answer', async () => {
    const { clock, rm, sent } = brokerTwo();
    rm.applyMetadata({ partitions: [led(0)] });
    rm.start();
    produce(rm, 'orders', 0, ACKS_LEADER);
    clock.advance(1_000);
    expect(sent).toEqual([]);
    clock.advance(500); // the check runs every replica.lag.time.max.ms / 2
    expect(sent.map((s) => s.request)).toEqual([
      { brokerId: 2, brokerEpoch: 7, topicId: 'id-orders', partition: 0, leaderEpoch: 0, partitionEpoch: 0, newIsr: [2], newIsrWithEpochs: [{ brokerId: 2, brokerEpoch: 7 }] },
    ]);
    sent[0]!.resolve(led(0, { isr: [2], partitionEpoch: 1 }));
    await flush();
    expect(rm.status()[0]).toMatchObject({ isr: [2], partitionEpoch: 1, highWatermark: 1 });
    expect(rm.status()[0]?.pendingIsr).toBeUndefined();
  });

  it('resends the same request while its outcome is unknown', async () => {
    const { clock, rm, sent } = brokerTwo();
    rm.applyMetadata({ partitions: [led(0)] });
    produce(rm, 'orders', 0, ACKS_LEADER);
    clock.advance(1_001);
    rm.shrinkLaggingIsrs();
    sent[0]!.reject(errors.notController());
    await flush();
    clock.advance(49);
    expect(sent.length).toBe(1);
    clock.advance(1);
    expect(sent.length).toBe(2);
    expect(sent[1]!.request).toBe(sent[0]!.request);
  });
});
