/**
 * kafkajs 2.2's admin.createPartitions against a real 3-node cluster through the Kafka listener:
 * a topic grows from 2 to 4 partitions, the new partitions are led and replicated, take records
 * and give them back; and the refusals reach kafkajs as Kafka's errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Admin, type ITopicMetadata } from 'kafkajs';
import { startCluster, type LocalCluster } from '../../cluster/index.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

let cluster: LocalCluster;
let kafka: Kafka;

describe.skipIf(!nodeBuilt)(`kafkajs admin.createPartitions${nodeBuilt ? '' : ` (${SKIP_REASON})`}`, () => {
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, config: { 'group.initial.rebalance.delay.ms': '0' } });
    kafka = new Kafka({ clientId: 'create-partitions', brokers: cluster.kafkaBrokers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('grows a topic from 2 to 4 partitions that are led, replicated, written and read', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ idempotent: true });
    try {
      await admin.createTopics({ topics: [{ topic: 'growing', numPartitions: 2, replicationFactor: 3 }], waitForLeaders: true });
      await producer.connect();
      await producer.send({ topic: 'growing', acks: -1, messages: [{ value: 'before-0', partition: 0 }, { value: 'before-1', partition: 1 }] });

      await admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 4 }] });

      const meta = await metadataWithPartitions(admin, 'growing', 4);
      const partitions = [...meta.topics[0]!.partitions].sort((a, b) => a.partitionId - b.partitionId);
      expect(partitions.map((p) => p.partitionId)).toEqual([0, 1, 2, 3]);
      for (const p of partitions) {
        expect(p.partitionErrorCode).toBe(0);
        expect([1, 2, 3]).toContain(p.leader);
        expect([...p.replicas].sort()).toEqual([1, 2, 3]);
        expect([...p.isr].sort()).toEqual([1, 2, 3]);
      }

      // A fresh producer knows the new partitions from its first metadata request.
      const after = kafka.producer({ idempotent: true });
      await after.connect();
      try {
        const sent = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `new-${i}`, partition: 3 }));
        const [ack] = await after.send({ topic: 'growing', acks: -1, messages: sent });
        expect(ack).toMatchObject({ partition: 3, errorCode: 0 });
      } finally {
        await after.disconnect();
      }

      const consumer = kafka.consumer({ groupId: 'growing-reader' });
      const read = new Map<number, string[]>();
      let total = 0;
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: 'growing', fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ partition, message }) => {
            read.set(partition, [...(read.get(partition) ?? []), message.value!.toString()]);
            total++;
          },
        });
        await waitUntil(() => total >= 22, 30_000, () => `read ${total} of 22: ${JSON.stringify([...read])}`);
      } finally {
        await consumer.disconnect();
      }
      expect(read.get(3)).toEqual(Array.from({ length: 20 }, (_, i) => `new-${i}`));
      expect(read.get(0)).toEqual(['before-0']);
      expect(read.get(1)).toEqual(['before-1']);
      expect(read.get(2)).toBeUndefined();
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  }, 90_000);

  it('refuses what Kafka refuses, and validateOnly changes nothing', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'fixed', numPartitions: 4, replicationFactor: 2 }], waitForLeaders: true });
      const grow = (topic: string, count: number, extra: { assignments?: number[][]; validateOnly?: boolean } = {}) =>
        admin.createPartitions({ topicPartitions: [{ topic, count, ...(extra.assignments ? { assignments: extra.assignments } : {}) }], ...(extra.validateOnly ? { validateOnly: true } : {}) });

      await expect(grow('fixed', 3)).rejects.toMatchObject({ type: 'INVALID_PARTITIONS' });
      await expect(grow('fixed', 4)).rejects.toMatchObject({ type: 'INVALID_PARTITIONS' });
      await expect(grow('no-such-topic', 2)).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' });
      await expect(grow('fixed', 5, { assignments: [[1, 9]] })).rejects.toMatchObject({ type: 'INVALID_REPLICA_ASSIGNMENT' });
      await expect(grow('fixed', 5, { assignments: [[1, 2, 3]] })).rejects.toMatchObject({ type: 'INVALID_REPLICA_ASSIGNMENT' });
      await expect(grow('__consumer_offsets', 100)).rejects.toMatchObject({ type: 'POLICY_VIOLATION' });
      await grow('fixed', 6, { validateOnly: true });
      await expect(grow('fixed', 3, { validateOnly: true })).rejects.toMatchObject({ type: 'INVALID_PARTITIONS' });

      const meta = await admin.fetchTopicMetadata({ topics: ['fixed'] });
      expect(meta.topics[0]!.partitions).toHaveLength(4);

      // A manual assignment places the new partition where it says.
      await grow('fixed', 5, { assignments: [[3, 1]] });
      const grown = await metadataWithPartitions(admin, 'fixed', 5);
      const p4 = grown.topics[0]!.partitions.find((p) => p.partitionId === 4);
      expect(p4).toMatchObject({ leader: 3, replicas: [3, 1] });
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});

async function waitUntil(condition: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The topic's metadata once it shows `count` partitions. The broker that answered CreatePartitions
 * has applied it; the broker kafkajs asks next may lag a moment behind, as in Kafka.
 */
async function metadataWithPartitions(admin: Admin, topic: string, count: number): Promise<{ topics: ITopicMetadata[] }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    if (meta.topics[0]!.partitions.length >= count || Date.now() > deadline) return meta;
    await new Promise((r) => setTimeout(r, 100));
  }
}
