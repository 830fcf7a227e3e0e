// The README's integration-test example, kept here so it runs: readme.test.ts checks that the
// README shows exactly the code between the markers below.
// --- README example start ---
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, startCluster, type LocalCluster } from 'brokerlab';

let cluster: LocalCluster;
beforeAll(async () => {
  cluster = await startCluster({ nodes: 3 });
  await cluster.createTopic('orders', { partitions: 3, replicationFactor: 3, minInsync: 2 });
}, 60_000);
afterAll(() => cluster?.stop());

it('keeps acknowledged writes when the leader dies', async () => {
  const client = createClient({ bootstrapServers: cluster.bootstrapServers });
  const producer = client.producer({ acks: 'all' });
  await producer.send({ topic: 'orders', messages: [{ key: 'user-1', value: 'first', partition: 0 }] });

  const leader = await cluster.leaderOf('orders', 0);
  await cluster.kill(leader);
  await cluster.waitForLeader('orders', 0, { not: leader });

  await producer.send({ topic: 'orders', messages: [{ key: 'user-1', value: 'second', partition: 0 }] });
  const consumer = client.consumer({ autoOffsetReset: 'earliest' });
  consumer.assign([{ topic: 'orders', partition: 0, offset: 'earliest' }]);
  const values = (await consumer.poll({ maxWaitMs: 2000 })).map((r) => r.value?.toString());
  expect(values).toEqual(['first', 'second']);
  await client.close();
}, 60_000);
// --- README example end ---
