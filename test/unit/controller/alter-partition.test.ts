import { describe, expect, it } from 'vitest';
import { isBrokerError } from '../../../src/common/errors.js';
import { isKafkaError } from '../../../src/controller/controller-errors.js';
import type { AlterPartitionRequest } from '../../../src/metadata/types.js';
import { errorOf, Harness } from './harness.js';

/** Brokers 1..4 up; topic t partition 0 on [1, 2, 3], led by 1, ISR shrunk to [1, 2] once. */
function setup(): { h: Harness; req: (overrides?: Partial<AlterPartitionRequest>) => AlterPartitionRequest } {
  const h = new Harness();
  h.startBrokers(1, 2, 3, 4);
  h.createTopic({ name: 't', assignments: [[1, 2, 3]] });
  const req = (overrides: Partial<AlterPartitionRequest> = {}): AlterPartitionRequest => {
    const p = h.partition('t', 0);
    return {
      brokerId: 1,
      brokerEpoch: h.epochs.get(1)!,
      topicId: p.topicId,
      partition: 0,
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
      newIsr: [1, 2],
      ...overrides,
    };
  };
  return { h, req };
}

function expectKafkaError(fn: () => unknown, name: string): void {
  const e = errorOf(fn);
  expect(isBrokerError(e) ? e.kafkaName : e).toBe(name);
}

describe('AlterPartition', () => {
  it('accepts a shrink from the current leader and answers with the new partition state', () => {
    const { h, req } = setup();
    const result = h.controller.alterPartition(req());
    expect(result.records).toEqual([{ type: 'PartitionChange', topicId: req().topicId, partition: 0, isr: [1, 2] }]);
    const response = h.commit(result);
    expect(response).toMatchObject({ leader: 1, isr: [1, 2], leaderEpoch: 0, partitionEpoch: 1 });
    expect(h.partition('t', 0)).toEqual(response);
  });

  it('accepts an expansion back to a caught-up replica', () => {
    const { h, req } = setup();
    h.commit(h.controller.alterPartition(req({ newIsr: [1] })));
    const response = h.commit(h.controller.alterPartition(req({ newIsr: [1, 3] })));
    expect(response).toMatchObject({ isr: [1, 3], partitionEpoch: 2 });
  });

  it('writes nothing when the ISR is already as asked', () => {
    const { h, req } = setup();
    const result = h.controller.alterPartition(req({ newIsr: [1, 2, 3] }));
    expect(result.records).toEqual([]);
    expect(result.response.partitionEpoch).toBe(0);
  });

  it('refuses a stale broker epoch', () => {
    const { h, req } = setup();
    const e = errorOf(() => h.controller.alterPartition(req({ brokerEpoch: h.epochs.get(1)! - 1 })));
    expect(isKafkaError(e, 'STALE_BROKER_EPOCH')).toBe(true);
  });

  it('refuses unknown topics and partitions', () => {
    const { h, req } = setup();
    expectKafkaError(() => h.controller.alterPartition(req({ topicId: 'nope' })), 'UNKNOWN_TOPIC_ID');
    expectKafkaError(() => h.controller.alterPartition(req({ partition: 3 })), 'UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('refuses an old leader epoch with FENCED_LEADER_EPOCH', () => {
    const { h, req } = setup();
    const old = req();
    h.heartbeat(1, { wantShutdown: true }); // leadership moves to 2, leader epoch 1
    expectKafkaError(() => h.controller.alterPartition({ ...old, brokerId: 2, brokerEpoch: h.epochs.get(2)! }), 'FENCED_LEADER_EPOCH');
  });

  it('refuses an old partition epoch with INVALID_UPDATE_VERSION', () => {
    const { h, req } = setup();
    const old = req();
    h.commit(h.controller.alterPartition(req({ newIsr: [1, 2] })));
    expectKafkaError(() => h.controller.alterPartition({ ...old, newIsr: [1] }), 'INVALID_UPDATE_VERSION');
  });

  it('answers NOT_CONTROLLER to epochs ahead of its own', () => {
    const { h, req } = setup();
    expectKafkaError(() => h.controller.alterPartition(req({ partitionEpoch: 5 })), 'NOT_CONTROLLER');
  });

  it('refuses a request from a broker that is not the leader', () => {
    const { h, req } = setup();
    expectKafkaError(() => h.controller.alterPartition(req({ brokerId: 2, brokerEpoch: h.epochs.get(2)! })), 'INVALID_REQUEST');
  });

  it('refuses an ISR without the leader, with duplicates, or with non-replicas', () => {
    const { h, req } = setup();
    expectKafkaError(() => h.controller.alterPartition(req({ newIsr: [2, 3] })), 'INVALID_REQUEST');
    expectKafkaError(() => h.controller.alterPartition(req({ newIsr: [1, 1] })), 'INVALID_REQUEST');
    expectKafkaError(() => h.controller.alterPartition(req({ newIsr: [1, 4] })), 'INVALID_REQUEST');
  });

  it('refuses to add a fenced or shutting-down broker (INELIGIBLE_REPLICA)', () => {
    const { h, req } = setup();
    h.commit(h.controller.alterPartition(req({ newIsr: [1] })));
    h.heartbeat(3, { wantFence: true });
    const fenced = errorOf(() => h.controller.alterPartition(req({ newIsr: [1, 3] })));
    expect(isKafkaError(fenced, 'INELIGIBLE_REPLICA')).toBe(true);
    // Broker 2 leads another partition, so its shutdown is a controlled one, not immediate.
    h.createTopic({ name: 'u', assignments: [[2, 4]] });
    h.heartbeat(2, { wantShutdown: true });
    expect(h.committed.brokers.get(2)).toMatchObject({ fenced: false, inControlledShutdown: true });
    const stopping = errorOf(() => h.controller.alterPartition(req({ newIsr: [1, 2] })));
    expect(isKafkaError(stopping, 'INELIGIBLE_REPLICA')).toBe(true);
  });

  it('decides several changes as one batch of records, each refused or accepted on its own', () => {
    const h = new Harness();
    h.startBrokers(1, 2, 3);
    h.createTopic({ name: 'many', assignments: [[1, 2, 3], [1, 2, 3], [1, 2, 3]] });
    const ask = (partition: number, newIsr: number[], brokerId = 1): AlterPartitionRequest => {
      const p = h.partition('many', partition);
      return { brokerId, brokerEpoch: h.epochs.get(brokerId)!, topicId: p.topicId, partition, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, newIsr };
    };
    const result = h.controller.alterPartitions([ask(0, [1, 2]), ask(1, [2, 3], 2), ask(2, [1, 3])]);
    expect(result.records.map((r) => r.type === 'PartitionChange' && [r.partition, r.isr])).toEqual([
      [0, [1, 2]],
      [2, [1, 3]],
    ]);
    const answers = h.commit(result);
    expect(answers[0]).toMatchObject({ partition: 0, isr: [1, 2], partitionEpoch: 1 });
    expect(isBrokerError(answers[1]) && answers[1].kafkaName).toBe('INVALID_REQUEST');
    expect(answers[2]).toMatchObject({ partition: 2, isr: [1, 3], partitionEpoch: 1 });
    expect(h.partition('many', 1).isr).toEqual([1, 2, 3]);
  });

  it('changes nothing when it refuses', () => {
    const { h, req } = setup();
    const before = h.controller.latestImage();
    errorOf(() => h.controller.alterPartition(req({ newIsr: [2] })));
    expect(h.controller.latestImage()).toBe(before);
  });
});
