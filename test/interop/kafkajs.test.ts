/**
 * kafkajs 2.2 against a real 3-node cluster through the Kafka listener, knowing nothing of
 * brokerlab: admin create/delete, an idempotent acks=all producer, a plain partition consumer, a
 * consumer group with manual commits and a rebalance, and the acceptance case: the partition
 * leader is SIGKILLed while the app produces, and nothing acknowledged is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { startCluster, type LocalCluster } from '../../cluster/index.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

let cluster: LocalCluster;
let kafka: Kafka;

describe.skipIf(!nodeBuilt)(`kafkajs through the Kafka listener${nodeBuilt ? '' : ` (${SKIP_REASON})`}`, () => {
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, config: { 'group.initial.rebalance.delay.ms': '0' } });
    kafka = new Kafka({ clientId: 'interop', brokers: cluster.kafkaBrokers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('creates, lists, describes and deletes a topic', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'admin-t', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true })).toBe(true);
      await waitUntilAsync(async () => (await admin.listTopics()).includes('admin-t'), 10_000, 'every broker to list admin-t');
      const meta = await admin.fetchTopicMetadata({ topics: ['admin-t'] });
      expect(meta.topics[0]!.partitions).toHaveLength(3);
      for (const p of meta.topics[0]!.partitions) expect(p.replicas).toHaveLength(3);
      const cluster = await admin.describeCluster();
      expect(cluster.brokers).toHaveLength(3);
      expect(cluster.brokers.map((b) => b.nodeId)).toContain(cluster.controller);
      await expect(admin.createTopics({ topics: [{ topic: 'admin-t' }] })).resolves.toBe(false);
      await admin.deleteTopics({ topics: ['admin-t'] });
      // The broker that answered has applied the deletion; another broker's metadata may lag a
      // moment behind, as in Kafka, and listTopics may ask any of them.
      await waitUntilAsync(async () => !(await admin.listTopics()).includes('admin-t'), 10_000, 'every broker to forget admin-t');
    } finally {
      await admin.disconnect();
    }
  });

  it('produces idempotently with acks=all and reads the partition back in order', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'plain', numPartitions: 2, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 });
    await producer.connect();
    const sent = Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 7}`, value: `v${i}`, partition: 0 }));
    const acks = await producer.send({ topic: 'plain', acks: -1, messages: sent });
    expect(acks[0]!.errorCode).toBe(0);
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'plain-reader' });
    const values = await consumeUntil(consumer, 'plain', 200, (m) => (m.partition === 0 ? m.message.value!.toString() : undefined));
    expect(values).toEqual(sent.map((m) => m.value));
  });

  it('shares a topic across a group with manual commits, rebalances and resumes from the commits', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'grouped', numPartitions: 4, replicationFactor: 3 }], waitForLeaders: true });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: 'grouped', acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ key: `user-${i}`, value: `a${i}` })) });

    // Two members share the four partitions; each commits what it processed, by hand.
    const seen = new Map<string, number>();
    const members = [kafka.consumer({ groupId: 'billing', sessionTimeout: 10_000, heartbeatInterval: 500 }), kafka.consumer({ groupId: 'billing', sessionTimeout: 10_000, heartbeatInterval: 500 })];
    const assigned = new Map<number, number[]>();
    for (const [i, member] of members.entries()) {
      member.on(member.events.GROUP_JOIN, (e) => assigned.set(i, e.payload.memberAssignment['grouped'] ?? []));
      await member.connect();
      await member.subscribe({ topic: 'grouped', fromBeginning: true });
      await member.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          seen.set(message.value!.toString(), (seen.get(message.value!.toString()) ?? 0) + 1);
          await member.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        },
      });
    }
    await waitUntil(() => seen.size >= 100, 30_000, () => `group consumed ${seen.size} of 100`);
    await waitUntil(() => (assigned.get(0)?.length ?? 0) + (assigned.get(1)?.length ?? 0) === 4 && assigned.get(0)!.length > 0 && assigned.get(1)!.length > 0, 20_000, () => `assignment ${JSON.stringify([...assigned])}`);

    // One member leaves: the other takes over every partition from the committed offsets.
    await members[1]!.disconnect();
    await producer.send({ topic: 'grouped', acks: -1, messages: Array.from({ length: 40 }, (_, i) => ({ key: `user-${i}`, value: `b${i}` })) });
    await waitUntil(() => seen.size >= 140, 30_000, () => `after the rebalance the group consumed ${seen.size} of 140`);
    expect(assigned.get(0)).toHaveLength(4);
    await members[0]!.disconnect();
    for (const [value, times] of seen) expect(times, value).toBe(1);

    const offsets = await admin.fetchOffsets({ groupId: 'billing', topics: ['grouped'] });
    const committed = offsets[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committed).toBe(140);
    const groups = await admin.listGroups();
    expect(groups.groups.map((g) => g.groupId)).toContain('billing');
    await producer.disconnect();
    await admin.disconnect();
  }, 90_000);

  it("survives a SIGKILL of its partition leader with nothing acknowledged lost", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 } });
    await producer.connect();

    const acknowledged: string[] = [];
    let i = 0;
    const send = async (): Promise<void> => {
      const value = `order-${i++}`;
      await producer.send({ topic: 'orders', acks: -1, messages: [{ key: 'customer-1', value }] });
      acknowledged.push(value);
    };
    for (let n = 0; n < 50; n++) await send();
    const leader = await cluster.leaderOf('orders', 0);
    const writing = (async () => {
      for (let n = 0; n < 150; n++) await send();
    })();
    await cluster.kill(leader);
    await writing;
    await cluster.waitForLeader('orders', 0, { not: leader });
    await producer.disconnect();

    // The dead broker is listed as an offline replica, and the partition reports no error: it has a leader.
    const admin2 = kafka.admin();
    await admin2.connect();
    await waitUntilAsync(async () => {
      const [p] = (await admin2.fetchTopicMetadata({ topics: ['orders'] })).topics[0]!.partitions;
      return p!.partitionErrorCode === 0 && p!.leader !== leader && (p!.offlineReplicas ?? []).includes(leader);
    }, 20_000, 'metadata listing the killed broker as an offline replica');
    await admin2.disconnect();

    const consumer = kafka.consumer({ groupId: 'orders-audit' });
    const read = await consumeUntil(consumer, 'orders', acknowledged.length, (m) => m.message.value!.toString());
    expect(read).toEqual(acknowledged);
    await cluster.start(leader);
  }, 90_000);
});

async function consumeUntil<T>(consumer: Consumer, topic: string, count: number, pick: (m: EachMessagePayload) => T | undefined): Promise<T[]> {
  const out: T[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async (payload) => {
        const value = pick(payload);
        if (value !== undefined) out.push(value);
      },
    });
    await waitUntil(() => out.length >= count, 30_000, () => `consumed ${out.length} of ${count}`);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

async function waitUntil(done: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitUntilAsync(done: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
