import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type BrokerlabClient } from '../../../src/client/index.js';
import { isBrokerError } from '../../../src/common/errors.js';
import { buildBatch } from '../../../src/log/batch/index.js';
import { FakeCluster } from './fake-cluster.js';

const NOT_CONTROLLER = 41;
const INVALID_REPLICATION_FACTOR = 38;

let cluster: FakeCluster | undefined;
let client: BrokerlabClient | undefined;

afterEach(async () => {
  await client?.close({ timeoutMs: 100 });
  cluster?.stop();
  client = undefined;
  cluster = undefined;
});

async function setUp(brokers = 3, requestTimeoutMs = 2000): Promise<{ cluster: FakeCluster; client: BrokerlabClient }> {
  cluster = await FakeCluster.start(brokers);
  client = createClient({ bootstrapServers: cluster.bootstrapServers, requestTimeoutMs, retryBackoffMs: 20, retryBackoffMaxMs: 100 });
  return { cluster, client };
}

describe('admin', () => {
  it('creates topics and describes them, their partitions and the cluster', async () => {
    const { client } = await setUp();
    const admin = client.admin();
    const created = await admin.createTopics([
      { name: 'orders', partitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } },
      { name: 'audit', partitions: 1, replicationFactor: 1 },
    ]);
    expect(created.map((t) => t.name)).toEqual(['orders', 'audit']);
    expect(created.every((t) => t.topicId.length > 0)).toBe(true);

    const [orders] = await admin.describeTopics(['orders']);
    expect(orders!.name).toBe('orders');
    expect(orders!.configs).toEqual({ 'min.insync.replicas': '2' });
    expect(orders!.partitions.map((p) => [p.partition, p.leader])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(orders!.partitions[0]!.isr).toEqual([1, 2, 3]);
    expect((await admin.listTopics()).sort()).toEqual(['audit', 'orders']);

    const description = await admin.describeCluster();
    expect(description.controllerId).toBe(1);
    expect(description.brokers.map((b) => b.id)).toEqual([1, 2, 3]);
    expect(description.brokers.every((b) => b.host === '127.0.0.1' && b.port > 0 && !b.fenced)).toBe(true);
  });

  it('surfaces a per-topic error as a BrokerError that lists every topic outcome', async () => {
    const { client } = await setUp();
    const admin = client.admin();
    await admin.createTopics([{ name: 'orders', partitions: 1, replicationFactor: 1 }]);
    const error = await admin
      .createTopics([
        { name: 'fresh', partitions: 1, replicationFactor: 1 },
        { name: 'orders', partitions: 1, replicationFactor: 1 },
      ])
      .catch((e: unknown) => e);
    expect(isBrokerError(error, 'TOPIC_ALREADY_EXISTS')).toBe(true);
    expect((error as { retriable: boolean }).retriable).toBe(false);
    expect((error as { details: Record<string, unknown> }).details).toMatchObject({
      topic: 'orders',
      results: [
        { name: 'fresh', errorCode: 0 },
        { name: 'orders', errorCode: 36 },
      ],
    });
    expect((await admin.listTopics()).sort()).toEqual(['fresh', 'orders']);
  });

  it('retries a retriable NOT_CONTROLLER and gives up at once on a non-retriable error', async () => {
    const { cluster, client } = await setUp(1);
    const admin = client.admin();
    cluster.broker(1).createTopicsErrors = [NOT_CONTROLLER, NOT_CONTROLLER];
    await admin.createTopics([{ name: 'later', partitions: 1, replicationFactor: 1 }]);
    expect(cluster.topics.has('later')).toBe(true);

    cluster.broker(1).createTopicsErrors = [INVALID_REPLICATION_FACTOR, NOT_CONTROLLER];
    const error = await admin.createTopics([{ name: 'bad', partitions: 1, replicationFactor: 9 }]).catch((e: unknown) => e);
    expect(isBrokerError(error, 'INVALID_REPLICATION_FACTOR')).toBe(true);
    expect(cluster.broker(1).createTopicsErrors).toEqual([NOT_CONTROLLER]);
  });

  it('waits until every partition has a leader when asked to, within the timeout', async () => {
    const { cluster, client } = await setUp();
    const admin = client.admin();
    cluster.leaderAssignmentDelayMs = 200;
    const startedMs = Date.now();
    await admin.createTopics([{ name: 'slow', partitions: 3, replicationFactor: 3 }], { waitForLeaders: true });
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(180);
    const [slow] = await admin.describeTopics(['slow']);
    expect(slow!.partitions.every((p) => p.leader > 0)).toBe(true);

    cluster.leaderAssignmentDelayMs = 10_000;
    const error = await admin
      .createTopics([{ name: 'stuck', partitions: 2, replicationFactor: 3 }], { waitForLeaders: true, timeoutMs: 1000 })
      .catch((e: unknown) => e);
    expect(isBrokerError(error, 'LEADER_NOT_AVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('stuck-0');
  });

  it('deletes topics; describing an unknown topic throws UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const { client } = await setUp();
    const admin = client.admin();
    await admin.createTopics([{ name: 'gone', partitions: 1, replicationFactor: 1 }]);
    await admin.deleteTopics(['gone']);
    expect(await admin.listTopics()).toEqual([]);
    const error = await admin.describeTopics(['gone']).catch((e: unknown) => e);
    expect(isBrokerError(error, 'UNKNOWN_TOPIC_OR_PARTITION')).toBe(true);
    await expect(admin.deleteTopics(['gone'], { timeoutMs: 2000 })).rejects.toThrow(/UNKNOWN_TOPIC_OR_PARTITION/);
  });

  it('reports each partition’s log start and high watermark', async () => {
    const { cluster, client } = await setUp(2);
    cluster.addTopic('t', 2, [1, 2]);
    const p1 = cluster.partition('t', 1)!;
    cluster.append(p1, buildBatch([{ value: Buffer.from('a') }, { value: Buffer.from('b') }, { value: Buffer.from('c') }]));
    cluster.append(p1, buildBatch([{ value: Buffer.from('d') }]));
    cluster.truncateBefore('t', 1, 3);
    expect(await client.admin().fetchTopicOffsets('t')).toEqual([
      { partition: 0, earliest: 0, latest: 0 },
      { partition: 1, earliest: 3, latest: 4 },
    ]);
  });
});
