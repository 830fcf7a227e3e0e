import { describe, expect, it } from 'vitest';
import { validateNewPartitions } from '../../../src/controller/create-partitions.js';
import type { NewPartitionsRequest, NewPartitionsResult } from '../../../src/controller/types.js';
import { topicByName } from '../../../src/metadata/image.js';
import type { PartitionRegistration } from '../../../src/metadata/types.js';
import { Harness } from './harness.js';

function partitionsOf(h: Harness, topic: string): PartitionRegistration[] {
  const t = topicByName(h.committed, topic)!;
  return [...t.partitions.values()].sort((a, b) => a.partition - b.partition);
}

function grow(h: Harness, ...requests: NewPartitionsRequest[]): NewPartitionsResult[] {
  return h.commit(h.controller.createPartitions(requests));
}

function refusal(h: Harness, request: NewPartitionsRequest): { kafkaName: string; message: string } | undefined {
  const [result] = grow(h, request);
  return result!.error && { kafkaName: result!.error.kafkaName, message: result!.error.message };
}

describe('creating partitions', () => {
  it('adds partitions with the topic replication factor, all replicas in sync, the first leading, at epoch 0', () => {
    const h = new Harness();
    h.startBrokers(1, 2, 3);
    h.createTopic({ name: 'orders', numPartitions: 3, replicationFactor: 2 });
    const topicId = topicByName(h.committed, 'orders')!.topicId;
    expect(grow(h, { name: 'orders', count: 6 })).toEqual([{ name: 'orders' }]);
    const partitions = partitionsOf(h, 'orders');
    expect(partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const p of partitions.slice(3)) {
      expect(p.topicId).toBe(topicId);
      expect(p.replicas).toHaveLength(2);
      expect(new Set(p.replicas).size).toBe(2);
      expect(p).toMatchObject({ isr: p.replicas, leader: p.replicas[0], leaderEpoch: 0, partitionEpoch: 0 });
    }
    // 6 partitions over 3 brokers: two leaderships and four replicas each.
    for (const broker of [1, 2, 3]) {
      expect(partitions.filter((p) => p.leader === broker)).toHaveLength(2);
      expect(partitions.filter((p) => p.replicas.includes(broker))).toHaveLength(4);
    }
  });

  it.each([
    { brokers: [1, 2, 3], rf: 3, from: 3, to: 6 },
    { brokers: [1, 2, 3, 4], rf: 2, from: 2, to: 12 },
    { brokers: [1, 2, 3, 4, 5], rf: 3, from: 7, to: 9 },
    { brokers: [3, 7, 9], rf: 1, from: 1, to: 5 },
  ])('continues the striping: $from → $to partitions, RF $rf, on $brokers.length brokers, placed as creating $to would', ({ brokers, rf, from, to }) => {
    // Same seed, so both creations draw the same start and shift.
    const created = new Harness();
    created.startBrokers(...brokers);
    created.createTopic({ name: 't', numPartitions: to, replicationFactor: rf });
    const grown = new Harness();
    grown.startBrokers(...brokers);
    grown.createTopic({ name: 't', numPartitions: from, replicationFactor: rf });
    expect(grow(grown, { name: 't', count: to })[0]!.error).toBeUndefined();
    expect(partitionsOf(grown, 't').map((p) => p.replicas)).toEqual(partitionsOf(created, 't').map((p) => p.replicas));
  });

  it('places new partitions only on active brokers', () => {
    const h = new Harness();
    h.startBrokers(1, 2, 3);
    h.createTopic({ name: 't', numPartitions: 1, replicationFactor: 2 });
    h.register(4); // registered, still fenced
    h.heartbeat(3, { wantShutdown: true });
    grow(h, { name: 't', count: 5 });
    for (const p of partitionsOf(h, 't').slice(1)) expect(p.replicas.every((b) => b === 1 || b === 2)).toBe(true);
  });

  it('proposes the partitions of every grown topic as one batch', () => {
    const h = new Harness();
    h.startBrokers(1, 2, 3);
    h.createTopic({ name: 'a', numPartitions: 1, replicationFactor: 1 });
    h.createTopic({ name: 'b', numPartitions: 2, replicationFactor: 3 });
    const { records, response } = h.controller.createPartitions([
      { name: 'a', count: 3 },
      { name: 'missing', count: 3 },
      { name: 'b', count: 4 },
    ]);
    expect(response.map((r) => r.error?.kafkaName)).toEqual([undefined, 'UNKNOWN_TOPIC_OR_PARTITION', undefined]);
    expect(records.map((r) => r.type)).toEqual(['Partition', 'Partition', 'Partition', 'Partition']);
    expect(records.map((r) => (r as { partition: number }).partition)).toEqual([1, 2, 2, 3]);
    h.commit({ records, response });
    expect(partitionsOf(h, 'a')).toHaveLength(3);
    expect(partitionsOf(h, 'b')).toHaveLength(4);
  });

  it('sees its own uncommitted decisions: a second request before the first commits counts from the grown topic', () => {
    const h = new Harness();
    h.startBrokers(1, 2);
    h.createTopic({ name: 't', numPartitions: 2, replicationFactor: 1 });
    const first = h.controller.createPartitions([{ name: 't', count: 4 }]);
    const second = h.controller.createPartitions([{ name: 't', count: 4 }]);
    expect(first.response[0]!.error).toBeUndefined();
    expect(second.response[0]!.error?.message).toBe('INVALID_PARTITIONS: Topic already has 4 partitions.');
  });

  describe('refuses, each topic on its own', () => {
    function cluster(): Harness {
      const h = new Harness();
      h.startBrokers(1, 2, 3);
      h.createTopic({ name: 't', numPartitions: 3, replicationFactor: 2 });
      return h;
    }

    it('an unknown topic', () => {
      expect(refusal(cluster(), { name: 'nope', count: 4 })?.kafkaName).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    });

    it('a count that is not an increase', () => {
      const h = cluster();
      expect(refusal(h, { name: 't', count: 2 })).toEqual({
        kafkaName: 'INVALID_PARTITIONS',
        message: 'INVALID_PARTITIONS: Topic currently has 3 partitions, which is higher than the requested 2.',
      });
      expect(refusal(h, { name: 't', count: 3 })).toEqual({ kafkaName: 'INVALID_PARTITIONS', message: 'INVALID_PARTITIONS: Topic already has 3 partitions.' });
      expect(refusal(h, { name: 't', count: 3.5 })?.kafkaName).toBe('INVALID_PARTITIONS');
      expect(refusal(h, { name: 't', count: 3 + 10_001 })?.kafkaName).toBe('INVALID_PARTITIONS');
      expect(partitionsOf(h, 't')).toHaveLength(3);
    });

    it('a topic named twice', () => {
      const h = cluster();
      const results = grow(h, { name: 't', count: 4 }, { name: 't', count: 5 });
      expect(results.map((r) => r.error?.kafkaName)).toEqual(['INVALID_REQUEST', 'INVALID_REQUEST']);
      expect(partitionsOf(h, 't')).toHaveLength(3);
    });

    it('__consumer_offsets, whose partition count places the groups', () => {
      const h = cluster();
      h.createTopic({ name: '__consumer_offsets', numPartitions: 3, replicationFactor: 3 });
      expect(refusal(h, { name: '__consumer_offsets', count: 6 })?.kafkaName).toBe('POLICY_VIOLATION');
      expect(partitionsOf(h, '__consumer_offsets')).toHaveLength(3);
    });

    it('a replication factor larger than the active brokers', () => {
      const h = cluster();
      h.createTopic({ name: 'rf3', numPartitions: 1, replicationFactor: 3 });
      h.heartbeat(3, { wantShutdown: true });
      expect(refusal(h, { name: 'rf3', count: 2 })?.kafkaName).toBe('INVALID_REPLICATION_FACTOR');
      expect(refusal(h, { name: 't', count: 4 })).toBeUndefined();
    });

    it.each([
      { why: 'too few partitions assigned', assignments: [[1, 2]] },
      { why: 'too many partitions assigned', assignments: [[1, 2], [2, 3], [3, 1]] },
      { why: 'an empty assignment', assignments: [] },
      { why: 'fewer replicas than the topic has', assignments: [[1], [2, 3]] },
      { why: 'more replicas than the topic has', assignments: [[1, 2, 3], [2, 3]] },
      { why: 'a broker named twice', assignments: [[1, 1], [2, 3]] },
      { why: 'an unregistered broker', assignments: [[1, 9], [2, 3]] },
    ])('a manual assignment with $why', ({ assignments }) => {
      const h = cluster();
      expect(refusal(h, { name: 't', count: 5, assignments })?.kafkaName).toBe('INVALID_REPLICA_ASSIGNMENT');
      expect(partitionsOf(h, 't')).toHaveLength(3);
    });

    it('a manual assignment whose brokers are all inactive', () => {
      const h = cluster();
      h.register(4);
      h.register(5);
      expect(refusal(h, { name: 't', count: 4, assignments: [[4, 5]] })?.kafkaName).toBe('INVALID_REPLICA_ASSIGNMENT');
    });
  });

  it('follows a manual assignment; inactive replicas stay out of the ISR', () => {
    const h = new Harness();
    h.startBrokers(1, 2, 3);
    h.createTopic({ name: 't', numPartitions: 1, replicationFactor: 2 });
    h.register(4); // fenced
    expect(grow(h, { name: 't', count: 3, assignments: [[3, 1], [4, 2]] })).toEqual([{ name: 't' }]);
    const [, p1, p2] = partitionsOf(h, 't');
    expect(p1).toMatchObject({ replicas: [3, 1], isr: [3, 1], leader: 3 });
    expect(p2).toMatchObject({ replicas: [4, 2], isr: [2], leader: 2 });
  });

  it('validates without deciding anything: the same answers, no records', () => {
    const h = new Harness();
    h.startBrokers(1, 2, 3);
    h.createTopic({ name: 't', numPartitions: 3, replicationFactor: 2 });
    const requests: NewPartitionsRequest[] = [
      { name: 't', count: 6 },
      { name: 'nope', count: 2 },
    ];
    const image = h.controller.latestImage();
    const validated = validateNewPartitions(image, requests);
    expect(validated.map((r) => r.error?.kafkaName)).toEqual([undefined, 'UNKNOWN_TOPIC_OR_PARTITION']);
    expect(h.controller.latestImage()).toBe(image);
    expect(validateNewPartitions(image, [{ name: 't', count: 2 }])[0]!.error?.message).toBe(
      'INVALID_PARTITIONS: Topic currently has 3 partitions, which is higher than the requested 2.',
    );
    expect(grow(h, ...requests).map((r) => r.error?.kafkaName)).toEqual(validated.map((r) => r.error?.kafkaName));
  });
});
