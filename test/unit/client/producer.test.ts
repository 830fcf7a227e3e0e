import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type BrokerlabClient } from '../../../src/client/index.js';
import { partitionForKey } from '../../../src/client/partitioner.js';
import { isBrokerError } from '../../../src/common/errors.js';
import { readBatchHeader, readRecords } from '../../../src/log/batch/index.js';
import { FakeCluster, gate, waitUntil, type FakePartition } from './fake-cluster.js';

const NOT_LEADER_OR_FOLLOWER = 6;
const NOT_ENOUGH_REPLICAS = 19;
const INVALID_RECORD = 87;

let cluster: FakeCluster | undefined;
let client: BrokerlabClient | undefined;

afterEach(async () => {
  await client?.close({ timeoutMs: 100 });
  cluster?.stop();
  client = undefined;
  cluster = undefined;
});

async function setUp(brokers = 1, options: { requestTimeoutMs?: number } = {}): Promise<{ cluster: FakeCluster; client: BrokerlabClient }> {
  cluster = await FakeCluster.start(brokers);
  client = createClient({ bootstrapServers: cluster.bootstrapServers, retryBackoffMs: 20, retryBackoffMaxMs: 100, ...options });
  return { cluster, client };
}

/** Values of every record stored in a fake partition, in log order. */
function storedValues(partition: FakePartition): string[] {
  return partition.batches.flatMap((batch) => readRecords(batch).map((r) => r.value!.toString()));
}

describe('producer', () => {
  it('batches many messages into few requests whose bytes decode to the records sent', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const producer = client.producer({ lingerMs: 0 });
    const messages = Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: `value-${i}`, headers: { h: `x${i}` }, partition: 0 }));
    const results = await producer.send({ topic: 't', messages });

    const requests = cluster.broker(1).produceRequests;
    expect(requests.length).toBeLessThanOrEqual(2);
    const decoded = requests.flatMap((r) => readRecords(r.records));
    expect(decoded.map((r) => r.value!.toString())).toEqual(messages.map((m) => m.value));
    expect(decoded.map((r) => r.key!.toString())).toEqual(messages.map((m) => m.key));
    expect(decoded.map((r) => r.headers[0]!.value!.toString())).toEqual(messages.map((m) => m.headers.h));
    for (const request of requests) expect(request.records.length).toBeLessThanOrEqual(16_384 + 200);
    expect(results.map((r) => r.offset)).toEqual(messages.map((_, i) => i));
    expect(results.every((r) => r.topic === 't' && r.partition === 0)).toBe(true);
  });

  it('splits batches at batchSizeBytes and gathers concurrent sends of one tick into shared batches', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const producer = client.producer({ lingerMs: 0, batchSizeBytes: 4096 });
    const value = 'x'.repeat(1000);
    const sends = Array.from({ length: 40 }, (_, i) => producer.send({ topic: 't', messages: [{ value: `${i}:${value}` }] }));
    const results = await Promise.all(sends);
    const requests = cluster.broker(1).produceRequests;
    expect(requests.length).toBeGreaterThanOrEqual(10);
    expect(requests.length).toBeLessThanOrEqual(14);
    for (const request of requests) expect(request.records.length).toBeLessThanOrEqual(4096 + 1100);
    expect(results.map(([r]) => r!.offset)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('waits lingerMs for more records before sending a batch that is not full', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const producer = client.producer({ lingerMs: 150 });
    const startedMs = Date.now();
    const first = producer.send({ topic: 't', messages: [{ value: 'a' }] });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(cluster.broker(1).produceRequests).toHaveLength(0);
    const second = producer.send({ topic: 't', messages: [{ value: 'b' }] });
    await Promise.all([first, second]);
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(140);
    expect(cluster.broker(1).produceRequests).toHaveLength(1);
    expect(readRecords(cluster.broker(1).produceRequests[0]!.records).map((r) => r.value!.toString())).toEqual(['a', 'b']);
  });

  it('keeps up to maxInFlightPerPartition batches in flight on one stream, and no more', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const release = gate();
    cluster.broker(1).produceScript = () => ({ kind: 'append', answerAfter: release.promise });
    const producer = client.producer({ lingerMs: 0, batchSizeBytes: 100, maxInFlightPerPartition: 3 });
    const sends = Array.from({ length: 8 }, (_, i) => producer.send({ topic: 't', messages: [{ value: `${i}-${'y'.repeat(120)}` }] }));
    await waitUntil(() => cluster.broker(1).produceRequests.length === 3, 2000, 'three requests in flight');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(cluster.broker(1).produceRequests).toHaveLength(3);
    release.open();
    const results = await Promise.all(sends);
    expect(cluster.broker(1).produceRequests).toHaveLength(8);
    expect(results.map(([r]) => r!.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('retries after NOT_LEADER_OR_FOLLOWER on the leader that a metadata refresh names', async () => {
    const { cluster, client } = await setUp(2);
    cluster.addTopic('t', 1, [1]);
    cluster.broker(1).produceScript = () => {
      // Leadership moves to broker 2; broker 1 does not say where (current_leader -1).
      cluster.moveLeader('t', 0, 2);
      return { kind: 'error', errorCode: NOT_LEADER_OR_FOLLOWER };
    };
    const producer = client.producer({ lingerMs: 0 });
    const metadataCallsBefore = cluster.brokers.reduce((n, b) => n + b.metadataCalls, 0);
    const [result] = await producer.send({ topic: 't', messages: [{ value: 'moved' }] });
    expect(result).toEqual({ topic: 't', partition: 0, offset: 0 });
    expect(cluster.broker(1).produceRequests).toHaveLength(1);
    expect(cluster.broker(2).produceRequests).toHaveLength(1);
    expect(storedValues(cluster.partition('t', 0)!)).toEqual(['moved']);
    expect(cluster.brokers.reduce((n, b) => n + b.metadataCalls, 0)).toBeGreaterThanOrEqual(metadataCallsBefore + 2);
  });

  it('goes straight to the leader a NOT_LEADER_OR_FOLLOWER answer names, without waiting for metadata', async () => {
    const { cluster, client } = await setUp(2, { requestTimeoutMs: 5000 });
    cluster.addTopic('t', 1, [1]);
    const producer = client.producer({ lingerMs: 0 });
    await producer.send({ topic: 't', messages: [{ value: 'first' }] });
    // From now on metadata requests hang: only the hint can tell the producer where to go.
    for (const broker of cluster.brokers) broker.silentUnary = true;
    cluster.broker(1).produceScript = () => {
      cluster.moveLeader('t', 0, 2);
      return { kind: 'error', errorCode: NOT_LEADER_OR_FOLLOWER, currentLeader: 2 };
    };
    const startedMs = Date.now();
    const [result] = await producer.send({ topic: 't', messages: [{ value: 'second' }] });
    expect(Date.now() - startedMs).toBeLessThan(2000);
    expect(result!.offset).toBe(1);
    expect(storedValues(cluster.partition('t', 0)!)).toEqual(['first', 'second']);
    expect(cluster.broker(2).produceRequests).toHaveLength(1);
  });

  it("retries on the new leader when the old leader's stream breaks (NETWORK_EXCEPTION)", async () => {
    const { cluster, client } = await setUp(2);
    cluster.addTopic('t', 1, [1]);
    cluster.broker(1).produceScript = () => {
      cluster.moveLeader('t', 0, 2);
      cluster.broker(1).stop();
      return { kind: 'silence' };
    };
    const producer = client.producer({ lingerMs: 0, requestTimeoutMs: 5000 });
    const startedMs = Date.now();
    const [result] = await producer.send({ topic: 't', messages: [{ value: 'survives' }] });
    expect(result!.offset).toBe(0);
    // The broken stream failed the request long before its 5 s timeout.
    expect(Date.now() - startedMs).toBeLessThan(3000);
    expect(storedValues(cluster.partition('t', 0)!)).toEqual(['survives']);
  });

  it('keeps the partition in send order when pipelined batches fail retriably and are retried', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const release = gate();
    // Requests 1..4 (the 2nd to 5th) fail; every answer waits until all five are in flight.
    cluster.broker(1).produceScript = (_request, index) =>
      index >= 1 && index <= 4
        ? { kind: 'error', errorCode: NOT_ENOUGH_REPLICAS, answerAfter: release.promise }
        : { kind: 'append', answerAfter: index < 5 ? release.promise : undefined };
    const producer = client.producer({ lingerMs: 0, batchSizeBytes: 100, maxInFlightPerPartition: 5 });
    const sends = Array.from({ length: 12 }, (_, i) => producer.send({ topic: 't', messages: [{ value: `${String(i).padStart(2, '0')}-${'z'.repeat(100)}` }] }));
    await waitUntil(() => cluster.broker(1).produceRequests.length === 5, 2000, 'five requests in flight');
    release.open();
    const results = await Promise.all(sends);
    const stored = storedValues(cluster.partition('t', 0)!).map((v) => v.slice(0, 2));
    expect(stored).toEqual(Array.from({ length: 12 }, (_, i) => String(i).padStart(2, '0')));
    expect(results.map(([r]) => r!.offset)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('without idempotence does not retry a failed batch once a batch sent after it was written, so nothing lands out of order', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const release = gate();
    cluster.broker(1).produceScript = (_request, index) =>
      index === 1 ? { kind: 'error', errorCode: NOT_ENOUGH_REPLICAS, answerAfter: release.promise } : { kind: 'append', answerAfter: release.promise };
    const producer = client.producer({ lingerMs: 0, batchSizeBytes: 100, maxInFlightPerPartition: 5, idempotent: false });
    const sends = Array.from({ length: 3 }, (_, i) => producer.send({ topic: 't', messages: [{ value: `${i}-${'w'.repeat(100)}` }] }));
    await waitUntil(() => cluster.broker(1).produceRequests.length === 3, 2000, 'three requests in flight');
    release.open();
    const outcomes = await Promise.allSettled(sends);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const error = (outcomes[1] as PromiseRejectedResult).reason;
    expect(isBrokerError(error, 'NOT_ENOUGH_REPLICAS')).toBe(true);
    expect(error.message).toContain('retrying would reorder');
    expect(storedValues(cluster.partition('t', 0)!).map((v) => v[0])).toEqual(['0', '2']);
    expect(cluster.broker(1).produceRequests).toHaveLength(3);
  });

  it('fails with REQUEST_TIMED_OUT once deliveryTimeoutMs passes while retriable errors continue', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const producer = client.producer({ lingerMs: 0, deliveryTimeoutMs: 500, retryBackoffMs: 20, retryBackoffMaxMs: 50 });
    // Warm up (metadata, channel, stream) so the budget below goes to retries only.
    await producer.send({ topic: 't', messages: [{ value: 'warm-up' }] });
    cluster.broker(1).produceScript = () => ({ kind: 'error', errorCode: NOT_ENOUGH_REPLICAS });
    const startedMs = Date.now();
    const error = await producer.send({ topic: 't', messages: [{ value: 'never' }] }).catch((e: unknown) => e);
    const elapsedMs = Date.now() - startedMs;
    expect(isBrokerError(error, 'REQUEST_TIMED_OUT')).toBe(true);
    expect((error as Error).message).toContain('delivery timeout of 500 ms');
    expect((error as Error).message).toContain('NOT_ENOUGH_REPLICAS');
    expect(elapsedMs).toBeGreaterThanOrEqual(400);
    expect(elapsedMs).toBeLessThan(2500);
    expect(cluster.broker(1).produceRequests.length).toBeGreaterThanOrEqual(3);
  });

  it('surfaces a non-retriable error at once, without retrying', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    cluster.broker(1).produceScript = () => ({ kind: 'error', errorCode: INVALID_RECORD });
    const producer = client.producer({ lingerMs: 0 });
    const startedMs = Date.now();
    const error = await producer.send({ topic: 't', messages: [{ value: 'bad' }] }).catch((e: unknown) => e);
    expect(isBrokerError(error, 'INVALID_RECORD')).toBe(true);
    expect((error as { retriable: boolean }).retriable).toBe(false);
    expect(Date.now() - startedMs).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(cluster.broker(1).produceRequests).toHaveLength(1);
  });

  it('with acks=0 resolves once the request is written, with offset -1', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const producer = client.producer({ lingerMs: 0, acks: 0 });
    const results = await producer.send({ topic: 't', messages: [{ value: 'a' }, { value: 'b' }] });
    expect(results).toEqual([
      { topic: 't', partition: 0, offset: -1 },
      { topic: 't', partition: 0, offset: -1 },
    ]);
    await waitUntil(() => cluster.partition('t', 0)!.nextOffset === 2, 2000, 'the acks=0 batch to land');
    expect(cluster.broker(1).produceRequests[0]!.acks).toBe(0);
    expect(cluster.broker(1).answers).toHaveLength(0);
  });

  it('bounds a request the broker never answers by requestTimeoutMs, and the send by deliveryTimeoutMs', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const producer = client.producer({ lingerMs: 0, requestTimeoutMs: 150, deliveryTimeoutMs: 600, retryBackoffMs: 10, retryBackoffMaxMs: 20 });
    await producer.send({ topic: 't', messages: [{ value: 'warm-up' }] });
    cluster.broker(1).produceScript = () => ({ kind: 'silence' });
    const startedMs = Date.now();
    const error = await producer.send({ topic: 't', messages: [{ value: 'lost' }] }).catch((e: unknown) => e);
    const elapsedMs = Date.now() - startedMs;
    expect(isBrokerError(error, 'REQUEST_TIMED_OUT')).toBe(true);
    expect(elapsedMs).toBeGreaterThanOrEqual(550);
    expect(elapsedMs).toBeLessThan(2500);
    // Each attempt waited out its own request timeout (then was retried while time was left).
    expect((error as Error).message).toMatch(/no answer within \d+ ms/);
    const attempts = cluster.broker(1).produceRequests.length - 1;
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(attempts).toBeLessThanOrEqual(5);
    expect(cluster.broker(1).produceRequests.every((r) => r.timeout_ms <= 150)).toBe(true);
  });

  it('places keyed records on the partition Kafka clients pick (murmur2)', async () => {
    const { cluster, client } = await setUp(2);
    cluster.addTopic('t', 6, [1, 2]);
    const producer = client.producer({ lingerMs: 0 });
    const keys = Array.from({ length: 60 }, (_, i) => `user-${i}`);
    const results = await producer.send({ topic: 't', messages: keys.map((key) => ({ key, value: key })) });
    results.forEach((r, i) => expect(r.partition).toBe(partitionForKey(Buffer.from(keys[i]!), 6)));
    for (let p = 0; p < 6; p++) {
      for (const value of storedValues(cluster.partition('t', p)!)) expect(partitionForKey(Buffer.from(value), 6)).toBe(p);
    }
  });

  it('flush sends lingering batches at once; close fails what cannot be delivered within its bound', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const producer = client.producer({ lingerMs: 10_000 });
    const lingering = producer.send({ topic: 't', messages: [{ value: 'soon' }] });
    const startedMs = Date.now();
    await producer.flush();
    expect(Date.now() - startedMs).toBeLessThan(1000);
    expect((await lingering)[0]!.offset).toBe(0);

    cluster.broker(1).produceScript = () => ({ kind: 'silence' });
    const stuck = producer.send({ topic: 't', messages: [{ value: 'stuck' }] }).catch((e: unknown) => e);
    const closeStartedMs = Date.now();
    await producer.close({ timeoutMs: 200 });
    expect(Date.now() - closeStartedMs).toBeLessThan(1000);
    expect(isBrokerError(await stuck, 'NETWORK_EXCEPTION')).toBe(true);
    await expect(producer.send({ topic: 't', messages: [{ value: 'late' }] })).rejects.toThrow(/closed/);
  });

  it('fails a send for a topic that never appears within maxBlockMs', async () => {
    const { client } = await setUp();
    const producer = client.producer({ maxBlockMs: 200 });
    const error = await producer.send({ topic: 'missing', messages: [{ value: 'x' }] }).catch((e: unknown) => e);
    expect(isBrokerError(error, 'REQUEST_TIMED_OUT')).toBe(true);
    expect((error as Error).message).toContain('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it.each([
    ['gzip', 1],
    ['snappy', 2],
    ['lz4', 3],
  ] as const)('compresses batches with %s when asked, and the records decode unchanged', async (compression, codec) => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const producer = client.producer({ lingerMs: 0, compression });
    const messages = Array.from({ length: 50 }, (_, i) => ({ value: `repetitive-${i % 3}-${'abc'.repeat(20)}` }));
    await producer.send({ topic: 't', messages });
    const [request] = cluster.broker(1).produceRequests;
    expect(readBatchHeader(request!.records).attributes & 0x07).toBe(codec);
    expect(request!.records.length).toBeLessThan(messages.length * 60);
    expect(readRecords(request!.records).map((r) => r.value!.toString())).toEqual(messages.map((m) => m.value));
  });

  it('with idempotent: false stamps no producer id, epoch or sequence, and asks for no producer id', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    await client.producer({ lingerMs: 0, idempotent: false }).send({ topic: 't', messages: [{ value: 'a' }] });
    const header = readBatchHeader(cluster.broker(1).produceRequests[0]!.records);
    expect([header.producerId, header.producerEpoch, header.baseSequence]).toEqual([-1, -1, -1]);
    expect(cluster.broker(1).initProducerIdCalls).toBe(0);
  });
});
