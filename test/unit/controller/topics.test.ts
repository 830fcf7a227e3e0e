import { describe, expect, it } from 'vitest';
import { allPartitions, topicByName } from '../../../src/metadata/image.js';
import { Harness } from './harness.js';

function kafkaNameOf(result: { error?: { kafkaName: string } }): string | undefined {
  return result.error?.kafkaName;
}

describe('creating topics', () => {
  it('spreads leaders and replicas evenly: 6 partitions RF 3 on 3 brokers', () => {
    const h = new Harness();
    h.startBrokers(1, 2, 3);
    h.createTopic({ name: 'orders', numPartitions: 6, replicationFactor: 3 });
    const partitions = [...allPartitions(h.committed)];
    expect(partitions).toHaveLength(6);
    for (const broker of [1, 2, 3]) {
      expect(partitions.filter((p) => p.leader === broker)).toHaveLength(2);
      expect(partitions.filter((p) => p.replicas.includes(broker))).toHaveLength(6);
    }
    for (const p of partitions) {
      expect(new Set(p.replicas).size).toBe(3);
      expect(p).toMatchObject({ isr: p.replicas, leader: p.replicas[0], leaderEpoch: 0, partitionEpoch: 0 });
    }
  });

  it('spreads followers evenly too: 12 partitions RF 2 on 4 brokers', () => {
    const h = new Harness();
    h.startBrokers(1, 2, 3, 4);
    h.createTopic({ name: 'events', numPartitions: 12, replicationFactor: 2 });
    const partitions = [...allPartitions(h.committed)];
    for (const broker of [1, 2, 3, 4]) {
      expect(partitions.filter((p) => p.leader === broker)).toHaveLength(3);
      expect(partitions.filter((p) => p.replicas[1] === broker)).toHaveLength(3);
    }
  });

  it('places replicas only on active brokers', () => {
    const h = new Harness();
    h.startBrokers(1, 2, 3);
    h.register(4); // registered, still fenced
    h.heartbeat(3, { wantShutdown: true });
    h.createTopic({ name: 't', numPartitions: 4, replicationFactor: 2 });
    for (const p of allPartitions(h.committed)) expect(p.replicas.every((b) => b === 1 || b === 2)).toBe(true);
  });

  it('refuses a replication factor below 1 or above the number of active brokers', () => {
    const h = new Harness();
    h.startBrokers(1, 2);
    h.register(3);
    const results = h.commit(
      h.controller.createTopics([
        { name: 'a', numPartitions: 1, replicationFactor: 3 },
        { name: 'b', numPartitions: 1, replicationFactor: 0 },
        { name: 'c', numPartitions: 1, replicationFactor: 2 },
      ]),
    );
    expect(results.map(kafkaNameOf)).toEqual(['INVALID_REPLICATION_FACTOR', 'INVALID_REPLICATION_FACTOR', undefined]);
    expect(topicByName(h.committed, 'c')).toBeDefined();
    expect(topicByName(h.committed, 'a')).toBeUndefined();
  });

  it('validates names, partition counts, configs and duplicates topic by topic', () => {
    const h = new Harness();
    h.startBrokers(1);
    h.createTopic({ name: 'taken.name' });
    const results = h.commit(
      h.controller.createTopics([
        { name: '' },
        { name: '..' },
        { name: 'x'.repeat(250) },
        { name: 'has space' },
        { name: 'taken.name' },
        { name: 'taken_name' },
        { name: 'zero', numPartitions: 0 },
        { name: 'badcfg', configs: { 'min.insync.replicas': 'x' } },
        { name: 'unknowncfg', configs: { 'no.such': '1' } },
        { name: 'twice' },
        { name: 'twice' },
        { name: 'x'.repeat(249), numPartitions: 2, configs: { 'min.insync.replicas': '2' } },
      ]),
    );
    expect(results.map(kafkaNameOf)).toEqual([
      'INVALID_TOPIC_EXCEPTION',
      'INVALID_TOPIC_EXCEPTION',
      'INVALID_TOPIC_EXCEPTION',
      'INVALID_TOPIC_EXCEPTION',
      'TOPIC_ALREADY_EXISTS',
      'INVALID_TOPIC_EXCEPTION',
      'INVALID_PARTITIONS',
      'INVALID_CONFIG',
      'INVALID_CONFIG',
      'INVALID_REQUEST',
      'INVALID_REQUEST',
      undefined,
    ]);
    // min.insync.replicas above the replication factor is allowed, as in Kafka.
    expect(results[11]).toMatchObject({ numPartitions: 2, replicationFactor: 1, configs: { 'min.insync.replicas': '2' } });
  });

  it('uses a manual assignment, keeping inactive replicas out of the initial ISR', () => {
    const h = new Harness();
    h.startBrokers(1, 2);
    h.register(3);
    h.createTopic({ name: 'm', assignments: [[3, 1], [2, 3]] });
    expect(h.partition('m', 0)).toMatchObject({ replicas: [3, 1], isr: [1], leader: 1 });
    expect(h.partition('m', 1)).toMatchObject({ replicas: [2, 3], isr: [2], leader: 2 });
    const bad = h.commit(
      h.controller.createTopics([
        { name: 'dup', assignments: [[1, 1]] },
        { name: 'ragged', assignments: [[1, 2], [1]] },
        { name: 'unknown', assignments: [[9]] },
        { name: 'dead', assignments: [[3]] },
        { name: 'mismatch', numPartitions: 3, assignments: [[1]] },
      ]),
    );
    expect(bad.map(kafkaNameOf)).toEqual([
      'INVALID_REPLICA_ASSIGNMENT',
      'INVALID_REPLICA_ASSIGNMENT',
      'INVALID_REPLICA_ASSIGNMENT',
      'INVALID_REPLICA_ASSIGNMENT',
      'INVALID_REQUEST',
    ]);
  });

  it('draws topic ids and placement from the seeded random, so a seed replays', () => {
    const ids = [new Harness(), new Harness()].map((h) => {
      h.startBrokers(1, 2, 3);
      return h.createTopic({ name: 't', numPartitions: 3, replicationFactor: 2 }).topicId;
    });
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids[0]).toBe(ids[1]);
  });
});

describe('deleting topics', () => {
  it('removes topics by name or id and reports unknown ones alone', () => {
    const h = new Harness();
    h.startBrokers(1);
    h.createTopic({ name: 'a' });
    const b = h.createTopic({ name: 'b' });
    const results = h.commit(
      h.controller.deleteTopics([{ name: 'a' }, { topicId: b.topicId! }, { name: 'missing' }, { topicId: 'missing-id' }]),
    );
    expect(results.map(kafkaNameOf)).toEqual([undefined, undefined, 'UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_ID']);
    expect(results[1]).toMatchObject({ name: 'b', topicId: b.topicId });
    expect(h.committed.topicsById.size).toBe(0);
  });

  it('reports a topic named twice in one request as a bad request', () => {
    const h = new Harness();
    h.startBrokers(1);
    const a = h.createTopic({ name: 'a' });
    const results = h.commit(h.controller.deleteTopics([{ name: 'a' }, { topicId: a.topicId! }]));
    expect(results.map(kafkaNameOf)).toEqual([undefined, 'INVALID_REQUEST']);
  });

  it('frees the name for a new topic with a new id', () => {
    const h = new Harness();
    h.startBrokers(1);
    const first = h.createTopic({ name: 'a' });
    h.commit(h.controller.deleteTopics([{ name: 'a' }]));
    const second = h.createTopic({ name: 'a' });
    expect(second.topicId).not.toBe(first.topicId);
  });
});
