import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type BrokerlabClient, type ConsumedRecord } from '../../../src/client/index.js';
import type { ConsumerOptions } from '../../../src/client/options.js';
import { isBrokerError } from '../../../src/common/errors.js';
import { buildBatch, CONTROL_FLAG } from '../../../src/log/batch/index.js';
import { FakeCluster, waitUntil } from './fake-cluster.js';

const NOT_LEADER_OR_FOLLOWER = 6;

let cluster: FakeCluster | undefined;
let client: BrokerlabClient | undefined;

afterEach(async () => {
  await client?.close({ timeoutMs: 100 });
  cluster?.stop();
  client = undefined;
  cluster = undefined;
});

async function setUp(brokers = 1): Promise<{ cluster: FakeCluster; client: BrokerlabClient }> {
  cluster = await FakeCluster.start(brokers);
  client = createClient({ bootstrapServers: cluster.bootstrapServers, retryBackoffMs: 20, retryBackoffMaxMs: 100 });
  return { cluster, client };
}

/** Appends batches of `perBatch` records valued "v<offset>" to a fake partition. */
function fill(cluster: FakeCluster, topic: string, partition: number, batches: number, perBatch: number): void {
  const state = cluster.partition(topic, partition)!;
  for (let b = 0; b < batches; b++) {
    const first = state.nextOffset;
    const records = Array.from({ length: perBatch }, (_, i) => ({
      key: Buffer.from(`k${first + i}`),
      value: Buffer.from(`v${first + i}`),
      headers: [{ key: 'n', value: Buffer.from(String(first + i)) }],
      timestamp: 1_700_000_000_000 + first + i,
    }));
    cluster.append(state, buildBatch(records));
  }
}

async function pollUntil(consumer: { poll(o: { maxWaitMs: number }): Promise<ConsumedRecord[]> }, count: number, timeoutMs = 3000): Promise<ConsumedRecord[]> {
  const records: ConsumedRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) records.push(...(await consumer.poll({ maxWaitMs: 200 })));
  return records;
}

function consumerOf(client: BrokerlabClient, options: ConsumerOptions = {}) {
  return client.consumer({ retryBackoffMs: 20, ...options });
}

describe('consumer', () => {
  it('reads whole batches and skips the records below the requested offset in the first one', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    fill(cluster, 't', 0, 3, 10);
    const consumer = consumerOf(client);
    consumer.assign([{ topic: 't', partition: 0, offset: 15 }]);
    const records = await pollUntil(consumer, 15);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 15 }, (_, i) => 15 + i));
    const first = records[0]!;
    expect(first).toMatchObject({ topic: 't', partition: 0, offset: 15, timestamp: 1_700_000_000_015 });
    expect(first.key!.toString()).toBe('k15');
    expect(first.value!.toString()).toBe('v15');
    expect(first.headers.map((h) => [h.key, h.value!.toString()])).toEqual([['n', '15']]);
    // The first fetch asked for offset 15 and got the batch starting at 10.
    expect(cluster.broker(1).fetchRequests[0]!.partitions[0]!.offset).toBe(15);
    expect(await consumer.position({ topic: 't', partition: 0 })).toBe(30);
  });

  it('returns at most maxPollRecords per poll and continues where it stopped', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    fill(cluster, 't', 0, 1, 25);
    const consumer = consumerOf(client, { maxPollRecords: 10 });
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    const sizes: number[] = [];
    const offsets: number[] = [];
    const deadline = Date.now() + 5000;
    while (offsets.length < 25 && Date.now() < deadline) {
      const records = await consumer.poll({ maxWaitMs: 500 });
      if (records.length > 0) sizes.push(records.length);
      offsets.push(...records.map((r) => r.offset));
    }
    expect(sizes).toEqual([10, 10, 5]);
    expect(offsets).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(cluster.broker(1).fetchRequests).toHaveLength(1);
  });

  it("resolves 'earliest' and 'latest' with ListOffsets", async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 2);
    fill(cluster, 't', 0, 2, 5);
    fill(cluster, 't', 1, 2, 5);
    cluster.truncateBefore('t', 0, 5);
    const consumer = consumerOf(client);
    consumer.assign([
      { topic: 't', partition: 0, offset: 'earliest' },
      { topic: 't', partition: 1, offset: 'latest' },
    ]);
    expect(await consumer.position({ topic: 't', partition: 0 })).toBe(5);
    expect(await consumer.position({ topic: 't', partition: 1 })).toBe(10);
    fill(cluster, 't', 1, 1, 2);
    const records = await pollUntil(consumer, 7);
    expect(records.filter((r) => r.partition === 0).map((r) => r.offset)).toEqual([5, 6, 7, 8, 9]);
    expect(records.filter((r) => r.partition === 1).map((r) => r.offset)).toEqual([10, 11]);
  });

  it('long-polls: a poll waiting on an empty partition returns as soon as records arrive', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const consumer = consumerOf(client);
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    setTimeout(() => fill(cluster, 't', 0, 1, 3), 150);
    const startedMs = Date.now();
    const records = await consumer.poll({ maxWaitMs: 3000 });
    const elapsedMs = Date.now() - startedMs;
    expect(records.map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(elapsedMs).toBeGreaterThanOrEqual(100);
    expect(elapsedMs).toBeLessThan(1500);
    // And an empty partition makes poll return empty after its wait.
    const idleStartedMs = Date.now();
    expect(await consumer.poll({ maxWaitMs: 200 })).toEqual([]);
    expect(Date.now() - idleStartedMs).toBeLessThan(1000);
  });

  it("resets an out-of-range position to the log start with autoOffsetReset 'earliest'", async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    fill(cluster, 't', 0, 4, 5);
    cluster.truncateBefore('t', 0, 10);
    const consumer = consumerOf(client, { autoOffsetReset: 'earliest' });
    consumer.assign([{ topic: 't', partition: 0, offset: 3 }]);
    const records = await pollUntil(consumer, 10);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
  });

  it("resets an out-of-range position to the end with 'latest', and throws OFFSET_OUT_OF_RANGE with 'none'", async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    fill(cluster, 't', 0, 2, 5);
    const latest = consumerOf(client, { autoOffsetReset: 'latest' });
    latest.assign([{ topic: 't', partition: 0, offset: 99 }]);
    const deadline = Date.now() + 5000;
    while ((await latest.position({ topic: 't', partition: 0 })) === 99 && Date.now() < deadline) {
      expect(await latest.poll({ maxWaitMs: 100 })).toEqual([]);
    }
    expect(await latest.position({ topic: 't', partition: 0 })).toBe(10);

    const strict = consumerOf(client, { autoOffsetReset: 'none' });
    strict.assign([{ topic: 't', partition: 0, offset: 99 }]);
    const error = await pollUntil(strict, 1, 5000).catch((e: unknown) => e);
    expect(isBrokerError(error, 'OFFSET_OUT_OF_RANGE')).toBe(true);
    expect((error as { details: Record<string, unknown> }).details).toMatchObject({ topic: 't', partition: 0, offset: 99 });
    // Seeking to a valid offset recovers.
    strict.seek({ topic: 't', partition: 0 }, 8);
    expect((await pollUntil(strict, 2)).map((r) => r.offset)).toEqual([8, 9]);
  });

  it('follows a leader change after NOT_LEADER_OR_FOLLOWER by refreshing metadata', async () => {
    const { cluster, client } = await setUp(2);
    cluster.addTopic('t', 1, [1]);
    fill(cluster, 't', 0, 1, 3);
    const consumer = consumerOf(client);
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    expect((await pollUntil(consumer, 3)).map((r) => r.offset)).toEqual([0, 1, 2]);
    cluster.moveLeader('t', 0, 2);
    fill(cluster, 't', 0, 1, 2);
    const records = await pollUntil(consumer, 2);
    expect(records.map((r) => r.offset)).toEqual([3, 4]);
    expect(cluster.broker(2).fetchRequests.length).toBeGreaterThan(0);
    // Broker 1 answered NOT_LEADER_OR_FOLLOWER at least once before the consumer moved on.
    expect(cluster.broker(1).fetchRequests.length).toBeGreaterThanOrEqual(2);
  });

  it('fetches partitions led by different brokers in parallel', async () => {
    const { cluster, client } = await setUp(2);
    cluster.addTopic('t', 2, [1, 2]);
    fill(cluster, 't', 0, 1, 3);
    fill(cluster, 't', 1, 1, 4);
    const consumer = consumerOf(client);
    consumer.assign([
      { topic: 't', partition: 0, offset: 0 },
      { topic: 't', partition: 1, offset: 1 },
    ]);
    const records = await pollUntil(consumer, 6);
    expect(records.filter((r) => r.partition === 0).map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(records.filter((r) => r.partition === 1).map((r) => r.offset)).toEqual([1, 2, 3]);
    expect(cluster.broker(1).fetchRequests[0]!.partitions.map((p) => p.partition)).toEqual([0]);
    expect(cluster.broker(2).fetchRequests[0]!.partitions.map((p) => p.partition)).toEqual([1]);
  });

  it('backs off and retries a partition whose fetch fails retriably', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    fill(cluster, 't', 0, 1, 2);
    let failures = 2;
    cluster.broker(1).fetchScript = () => (failures-- > 0 ? NOT_LEADER_OR_FOLLOWER : undefined);
    const consumer = consumerOf(client);
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    expect((await pollUntil(consumer, 2)).map((r) => r.offset)).toEqual([0, 1]);
    expect(cluster.broker(1).fetchRequests.length).toBe(3);
  });

  it('seeks back, drops records fetched for the old position, and iterates with for await', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    fill(cluster, 't', 0, 2, 5);
    const consumer = consumerOf(client, { maxPollRecords: 3 });
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    expect((await pollUntil(consumer, 1)).map((r) => r.offset)).toEqual([0, 1, 2]);
    consumer.seek({ topic: 't', partition: 0 }, 7);
    expect(await consumer.position({ topic: 't', partition: 0 })).toBe(7);
    const seen: number[] = [];
    for await (const record of consumer) {
      seen.push(record.offset);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([7, 8, 9]);
    expect(() => consumer.seek({ topic: 'other', partition: 0 }, 0)).toThrow(/not assigned/);
  });

  it('steps over control batches without returning them', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    fill(cluster, 't', 0, 1, 2);
    const state = cluster.partition('t', 0)!;
    cluster.append(state, buildBatch([{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { attributes: CONTROL_FLAG }));
    fill(cluster, 't', 0, 1, 2);
    const consumer = consumerOf(client);
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    expect((await pollUntil(consumer, 4)).map((r) => r.offset)).toEqual([0, 1, 3, 4]);
  });

  it('reads back what the producer wrote: keys, null values, headers, timestamps', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const producer = client.producer({ lingerMs: 0 });
    await producer.send({
      topic: 't',
      messages: [
        { key: 'a', value: 'one', headers: { trace: 'x1' }, timestamp: 1_000 },
        { key: null, value: null, headers: [{ key: 'h', value: null }, { key: 'h', value: 'dup' }], timestamp: 2_000 },
      ],
    });
    const consumer = consumerOf(client);
    consumer.assign([{ topic: 't', partition: 0, offset: 'earliest' }]);
    const [first, second] = await pollUntil(consumer, 2);
    expect(first!.key!.toString()).toBe('a');
    expect(first!.value!.toString()).toBe('one');
    expect(first!.headers).toEqual([{ key: 'trace', value: Buffer.from('x1') }]);
    expect(first!.timestamp).toBe(1_000);
    expect(second!.key).toBeNull();
    expect(second!.value).toBeNull();
    expect(second!.headers).toEqual([
      { key: 'h', value: null },
      { key: 'h', value: Buffer.from('dup') },
    ]);
    expect(second!.timestamp).toBe(2_000);
  });

  it('stops the async iterator when closed', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const consumer = consumerOf(client, { maxWaitMs: 50 });
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    const seen: ConsumedRecord[] = [];
    const loop = (async () => {
      for await (const record of consumer) seen.push(record);
    })();
    await waitUntil(() => cluster.broker(1).fetchRequests.length > 0, 2000, 'a fetch');
    consumer.close();
    await loop;
    expect(seen).toEqual([]);
  });
});
