/**
 * A second, independent client (kafkajs, itself tested in kafkajs.test.ts) for what a client under
 * test cannot do or should not check by itself: create topics for kcat, read a group's committed
 * offsets and a topic's end offsets.
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { LocalCluster } from '../../../cluster/index.js';
import { waitUntil } from './process.js';

export interface TopicSpec {
  partitions: number;
  replicationFactor?: number;
  minInsync?: number;
}

export async function withAdmin<T>(brokers: string[], use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ clientId: 'interop-check', brokers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } }).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates a topic and waits until each partition's leader reports itself leader. */
export async function createTopic(cluster: LocalCluster, topic: string, spec: TopicSpec): Promise<void> {
  await withAdmin(cluster.kafkaBrokers, async (admin) => {
    const configEntries = spec.minInsync !== undefined ? [{ name: 'min.insync.replicas', value: String(spec.minInsync) }] : [];
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: spec.partitions, replicationFactor: spec.replicationFactor ?? 3, configEntries }], waitForLeaders: true });
    if (!created) throw new Error(`topic ${topic} already existed`);
  });
  await cluster.waitForTopic(topic, spec.partitions, { timeoutMs: 30_000 });
}

/**
 * Waits (bounded) until listing topics shows `topic` (or no longer does). The broker that
 * answered a create or delete has applied it; another broker's metadata may lag a moment behind,
 * as in Kafka, and a listing may ask any broker.
 */
export async function waitForListed(brokers: string[], topic: string, listed: boolean, timeoutMs = 10_000): Promise<void> {
  await waitUntil(async () => (await listTopics(brokers)).includes(topic) === listed, timeoutMs, () => `${topic} ${listed ? 'listed' : 'gone'} on every broker`);
}

export function listTopics(brokers: string[]): Promise<string[]> {
  return withAdmin(brokers, (admin) => admin.listTopics());
}

/** Committed offset per partition (-1: none), as the group coordinator reports it. */
export function committedOffsets(brokers: string[], groupId: string, topic: string): Promise<Map<number, number>> {
  return withAdmin(brokers, async (admin) => {
    const [found] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((found?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  });
}

/** The high watermark per partition. */
export function endOffsets(brokers: string[], topic: string): Promise<Map<number, number>> {
  return withAdmin(brokers, async (admin) => new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)])));
}

/**
 * Creates `__consumer_offsets` (the first FindCoordinator does) and waits until each of its
 * partitions has a leader and a full ISR. Creating its partitions loads a small machine; doing it
 * before the tests keeps a client's first group join from meeting a coordinator that moves.
 */
export async function warmUpGroupCoordinators(cluster: LocalCluster, timeoutMs = 60_000): Promise<void> {
  await withAdmin(cluster.kafkaBrokers, (admin) => admin.describeGroups(['interop-warm-up']));
  await cluster.waitFor(
    (s) => {
      const offsets = s.partitions.filter((p) => p.topic === '__consumer_offsets');
      return offsets.length > 0 && offsets.every((p) => p.leader > 0 && p.isr.length === p.replicas.length);
    },
    'every __consumer_offsets partition to have a leader and a full ISR',
    { timeoutMs },
  );
}
