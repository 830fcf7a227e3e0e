import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type BrokerlabClient, type Consumer } from '../../../src/client/index.js';
import { buildBatch } from '../../../src/log/batch/index.js';
import { FakeCluster } from './fake-cluster.js';

let cluster: FakeCluster | undefined;
let client: BrokerlabClient | undefined;

afterEach(async () => {
  await client?.close({ timeoutMs: 200 });
  cluster?.stop();
  client = undefined;
  cluster = undefined;
});

async function setUp(brokers: number): Promise<{ cluster: FakeCluster; client: BrokerlabClient }> {
  cluster = await FakeCluster.start(brokers);
  client = createClient({ bootstrapServers: cluster.bootstrapServers, retryBackoffMs: 20, retryBackoffMaxMs: 100 });
  return { cluster, client };
}

function fill(cluster: FakeCluster, topic: string, partition: number, count: number): void {
  const state = cluster.partition(topic, partition)!;
  for (let i = 0; i < count; i++) cluster.append(state, buildBatch([{ key: null, value: Buffer.from('v'), headers: [], timestamp: Date.now() }]));
}

async function stableGroup(client: BrokerlabClient, groupId: string, topic: string, members: number): Promise<Consumer[]> {
  const consumers = Array.from({ length: members }, () =>
    client.consumer({ groupId, autoOffsetReset: 'earliest', heartbeatIntervalMs: 50, sessionTimeoutMs: 2000, rebalanceTimeoutMs: 3000 }),
  );
  for (const c of consumers) c.subscribe([topic]);
  const deadline = Date.now() + 8000;
  const settled = () => new Set(consumers.map((c) => c.groupMetadata()!.generationId)).size === 1 && consumers.every((c) => c.assignment().length > 0);
  await Promise.all(consumers.map(async (c) => {
    while (!settled() && Date.now() < deadline) await c.poll({ maxWaitMs: 100 });
  }));
  if (!settled()) throw new Error('the group did not settle');
  return consumers;
}

describe('admin: consumer groups', () => {
  it('lists the groups of every broker, merged', async () => {
    const { cluster, client } = await setUp(2);
    cluster.addTopic('t', 2);
    await stableGroup(client, 'billing', 't', 1);
    cluster.groups.coordinatorId = 2;
    await stableGroup(client, 'audit', 't', 1);
    const groups = await client.admin().listGroups();
    expect(groups).toEqual([
      { groupId: 'audit', protocolType: 'consumer', state: 'Stable' },
      { groupId: 'billing', protocolType: 'consumer', state: 'Stable' },
    ]);
    expect(new Set(cluster.groups.callsOf('ListGroups').map((c) => c.brokerId))).toEqual(new Set([1, 2]));
  });

  it('describes a group: state, generation, assignor, and each member with its decoded partitions', async () => {
    const { cluster, client } = await setUp(1);
    cluster.addTopic('t', 4);
    const consumers = await stableGroup(client, 'billing', 't', 2);
    const description = await client.admin().describeGroup('billing');
    expect(description).toMatchObject({ groupId: 'billing', state: 'Stable', protocolType: 'consumer', protocol: 'range' });
    expect(description.generationId).toBe(consumers[0]!.groupMetadata()!.generationId);
    const byMember = new Map(description.members.map((m) => [m.memberId, m]));
    for (const consumer of consumers) {
      const described = byMember.get(consumer.groupMetadata()!.memberId)!;
      expect(described.clientId).toBe('brokerlab-client');
      expect(described.subscription).toEqual(['t']);
      expect(described.assignment).toEqual([...consumer.assignment()].sort((a, b) => a.partition - b.partition));
    }
    expect(description.members.flatMap((m) => m.assignment.map((tp) => tp.partition)).sort()).toEqual([0, 1, 2, 3]);
  });

  it('reports per partition the committed offset, the log end offset and the lag', async () => {
    const { cluster, client } = await setUp(2);
    cluster.addTopic('t', 2, [1, 2]);
    fill(cluster, 't', 0, 10);
    fill(cluster, 't', 1, 4);
    const [consumer] = await stableGroup(client, 'billing', 't', 1);
    await consumer!.commit([
      { topic: 't', partition: 0, offset: 7 },
      { topic: 't', partition: 1, offset: 4 },
    ]);
    expect(await client.admin().groupOffsets('billing')).toEqual([
      { topic: 't', partition: 0, committedOffset: 7, logEndOffset: 10, lag: 3 },
      { topic: 't', partition: 1, committedOffset: 4, logEndOffset: 4, lag: 0 },
    ]);
    expect(await client.admin().groupOffsets('nobody')).toEqual([]);
  });
});
