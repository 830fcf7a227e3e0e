// The README's integration-test example, kept here so it runs: readme.test.ts checks that the
// README shows exactly the code between the markers below.
// --- README example start ---
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { startCluster, type LocalCluster } from 'brokerlab';

let cluster: LocalCluster;
beforeAll(async () => {
  cluster = await startCluster({ nodes: 3 });
  await cluster.createTopic('orders', { partitions: 3, replicationFactor: 3, minInsync: 2 });
}, 60_000);
afterAll(() => cluster?.stop());

it('keeps acknowledged writes when the leader dies', async () => {
  const kafka = new Kafka({ brokers: cluster.kafkaBrokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({ topic: 'orders', acks: -1, messages: [{ key: 'user-1', value: 'first', partition: 0 }] });

  const leader = await cluster.leaderOf('orders', 0);
  await cluster.kill(leader);
  await producer.send({ topic: 'orders', acks: -1, messages: [{ key: 'user-1', value: 'second', partition: 0 }] });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'audit' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  const values: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
  await expect.poll(() => values, { timeout: 20_000 }).toEqual(['first', 'second']);
  await consumer.disconnect();
}, 60_000);
// --- README example end ---
