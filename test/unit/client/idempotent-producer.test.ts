import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type BrokerlabClient } from '../../../src/client/index.js';
import { incrementSequence } from '../../../src/client/record-accumulator.js';
import { isBrokerError } from '../../../src/common/errors.js';
import { readBatchHeader, readRecords } from '../../../src/log/batch/index.js';
import { FakeCluster, gate, waitUntil, type FakePartition } from './fake-cluster.js';

const COORDINATOR_NOT_AVAILABLE = 15;
const NOT_ENOUGH_REPLICAS = 19;
const NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20;
const INVALID_PRODUCER_EPOCH = 47;
const INVALID_RECORD = 87;

let cluster: FakeCluster | undefined;
let client: BrokerlabClient | undefined;

afterEach(async () => {
  await client?.close({ timeoutMs: 100 });
  cluster?.stop();
  client = undefined;
  cluster = undefined;
});

async function setUp(): Promise<{ cluster: FakeCluster; client: BrokerlabClient }> {
  cluster = await FakeCluster.start(1);
  client = createClient({ bootstrapServers: cluster.bootstrapServers, retryBackoffMs: 20, retryBackoffMaxMs: 100 });
  return { cluster, client };
}

function storedValues(partition: FakePartition): string[] {
  return partition.batches.flatMap((batch) => readRecords(batch).map((r) => r.value!.toString()));
}

function headersSent(cluster: FakeCluster) {
  return cluster.broker(1).produceRequests.map((r) => ({ partition: r.partition, ...readBatchHeader(r.records) }));
}

/** A value of about 100 bytes, so that with batchSizeBytes 100 every send is a batch of its own. */
function padded(label: string): string {
  return `${label}-${'p'.repeat(100)}`;
}

describe('idempotent producer', () => {
  it('asks for a producer id once, on first use, and stamps it on the batches of every partition', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 2);
    const producer = client.producer({ lingerMs: 0 });
    expect(producer.producerIdentity()).toBeUndefined();
    await Promise.all([
      producer.send({ topic: 't', messages: [{ value: 'a', partition: 0 }] }),
      producer.send({ topic: 't', messages: [{ value: 'b', partition: 1 }] }),
    ]);
    await producer.send({ topic: 't', messages: [{ value: 'c', partition: 0 }] });
    expect(cluster.broker(1).initProducerIdCalls).toBe(1);
    expect(producer.producerIdentity()).toEqual({ producerId: 1000, producerEpoch: 0 });
    for (const header of headersSent(cluster)) expect([header.producerId, header.producerEpoch]).toEqual([1000, 0]);
  });

  it('retries InitProducerId after retriable errors, and fails the send if none arrives within the delivery timeout', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    cluster.broker(1).initProducerIdErrors = [COORDINATOR_NOT_AVAILABLE, COORDINATOR_NOT_AVAILABLE];
    const [result] = await client.producer({ lingerMs: 0 }).send({ topic: 't', messages: [{ value: 'a' }] });
    expect(result!.offset).toBe(0);
    expect(cluster.broker(1).initProducerIdCalls).toBe(3);

    cluster.broker(1).initProducerIdErrors = Array.from({ length: 1000 }, () => COORDINATOR_NOT_AVAILABLE);
    const startedMs = Date.now();
    const error = await client.producer({ lingerMs: 0, deliveryTimeoutMs: 400 }).send({ topic: 't', messages: [{ value: 'b' }] }).catch((e: unknown) => e);
    // The last attempt's error: the injected one, or a timeout if the budget ran out mid-call.
    expect(isBrokerError(error) && ['COORDINATOR_NOT_AVAILABLE', 'REQUEST_TIMED_OUT'].includes(error.kafkaName)).toBe(true);
    expect((error as Error).message).toContain('InitProducerId');
    expect(Date.now() - startedMs).toBeLessThan(2000);
    expect(cluster.partition('t', 0)!.nextOffset).toBe(1);
  });

  it('numbers each partition from 0 and advances by the record count of each batch', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 2);
    const producer = client.producer({ lingerMs: 0 });
    await producer.send({ topic: 't', messages: ['a', 'b', 'c'].map((value) => ({ value, partition: 0 })) });
    await producer.send({ topic: 't', messages: ['d', 'e'].map((value) => ({ value, partition: 1 })) });
    await producer.send({ topic: 't', messages: ['f', 'g'].map((value) => ({ value, partition: 0 })) });
    await producer.send({ topic: 't', messages: [{ value: 'h', partition: 1 }] });
    const sequences = headersSent(cluster).map((h) => [h.partition, h.baseSequence, h.recordCount]);
    expect(sequences).toEqual([
      [0, 0, 3],
      [1, 0, 2],
      [0, 3, 2],
      [1, 2, 1],
    ]);
  });

  it('wraps sequence numbers from 2^31-1 to 0, as Kafka does', () => {
    expect(incrementSequence(0, 5)).toBe(5);
    expect(incrementSequence(2 ** 31 - 3, 3)).toBe(0);
    expect(incrementSequence(2 ** 31 - 1, 2)).toBe(1);
  });

  it('resends a retried batch with its producer id, epoch and sequence unchanged', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    cluster.broker(1).produceScript = (_request, index) => (index === 1 ? { kind: 'error', errorCode: NOT_ENOUGH_REPLICAS } : undefined);
    const producer = client.producer({ lingerMs: 0 });
    await producer.send({ topic: 't', messages: [{ value: 'first' }] });
    const [result] = await producer.send({ topic: 't', messages: [{ value: 'second' }] });
    const requests = cluster.broker(1).produceRequests;
    expect(requests).toHaveLength(3);
    expect(requests[2]!.records.equals(requests[1]!.records)).toBe(true);
    expect(readBatchHeader(requests[2]!.records).baseSequence).toBe(1);
    expect(result!.offset).toBe(1);
    expect(storedValues(cluster.partition('t', 0)!)).toEqual(['first', 'second']);
  });

  it('resolves a send normally when its retry is answered as a duplicate with the original offsets', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    // The second request is written, but its acknowledgement says NOT_ENOUGH_REPLICAS_AFTER_APPEND.
    cluster.broker(1).produceScript = (_request, index) => (index === 1 ? { kind: 'append', answerErrorCode: NOT_ENOUGH_REPLICAS_AFTER_APPEND } : undefined);
    const producer = client.producer({ lingerMs: 0 });
    await producer.send({ topic: 't', messages: [{ value: 'first' }] });
    const results = await producer.send({ topic: 't', messages: [{ value: 'second' }, { value: 'third' }] });
    expect(results.map((r) => r.offset)).toEqual([1, 2]);
    expect(cluster.broker(1).produceRequests).toHaveLength(3);
    expect(cluster.broker(1).answers.map((a) => a.error_code)).toEqual([0, NOT_ENOUGH_REPLICAS_AFTER_APPEND, 0]);
    expect(storedValues(cluster.partition('t', 0)!)).toEqual(['first', 'second', 'third']);
  });

  it('with 5 in flight, resends the batches refused OUT_OF_ORDER after the failed one, in sequence order', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const release = gate();
    // The 2nd request fails and is not written; the fake's sequence check refuses the 3rd to 5th.
    cluster.broker(1).produceScript = (_request, index) =>
      index === 1 ? { kind: 'error', errorCode: NOT_ENOUGH_REPLICAS, answerAfter: release.promise } : { kind: 'append', answerAfter: index < 5 ? release.promise : undefined };
    const producer = client.producer({ lingerMs: 0, batchSizeBytes: 100, maxInFlightPerPartition: 5 });
    const sends = Array.from({ length: 12 }, (_, i) => producer.send({ topic: 't', messages: [{ value: padded(String(i).padStart(2, '0')) }] }));
    await waitUntil(() => cluster.broker(1).produceRequests.length === 5, 2000, 'five requests in flight');
    release.open();
    const results = await Promise.all(sends);
    expect(cluster.broker(1).answers.slice(0, 5).map((a) => a.error_code)).toEqual([0, NOT_ENOUGH_REPLICAS, 45, 45, 45]);
    const stored = storedValues(cluster.partition('t', 0)!).map((v) => v.slice(0, 2));
    expect(stored).toEqual(Array.from({ length: 12 }, (_, i) => String(i).padStart(2, '0')));
    expect(results.map(([r]) => r!.offset)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('retries a batch whose answer was lost although a later one was acknowledged: the duplicate answer keeps order', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const release = gate();
    cluster.broker(1).produceScript = (_request, index) =>
      index === 1 ? { kind: 'append', answerErrorCode: NOT_ENOUGH_REPLICAS_AFTER_APPEND, answerAfter: release.promise } : { kind: 'append', answerAfter: release.promise };
    const producer = client.producer({ lingerMs: 0, batchSizeBytes: 100, maxInFlightPerPartition: 5 });
    const sends = Array.from({ length: 3 }, (_, i) => producer.send({ topic: 't', messages: [{ value: padded(String(i)) }] }));
    await waitUntil(() => cluster.broker(1).produceRequests.length === 3, 2000, 'three requests in flight');
    release.open();
    const results = await Promise.all(sends);
    expect(results.map(([r]) => r!.offset)).toEqual([0, 1, 2]);
    expect(storedValues(cluster.partition('t', 0)!).map((v) => v[0])).toEqual(['0', '1', '2']);
    expect(cluster.broker(1).produceRequests).toHaveLength(4);
  });

  it('restarts a partition under a new producer id when a batch before the waiting ones failed for good', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const producer = client.producer({ lingerMs: 0, batchSizeBytes: 100 });
    await producer.send({ topic: 't', messages: [{ value: padded('warm-up') }] });
    const release = gate();
    // The 2nd request is refused for good; the 3rd then has a gap the broker will never fill.
    cluster.broker(1).produceScript = (_request, index) =>
      index === 1 ? { kind: 'error', errorCode: INVALID_RECORD, answerAfter: release.promise } : { kind: 'append', answerAfter: index === 2 ? release.promise : undefined };
    const refused = producer.send({ topic: 't', messages: [{ value: padded('refused') }] }).catch((e: unknown) => e);
    const after = producer.send({ topic: 't', messages: [{ value: padded('after') }] });
    await waitUntil(() => cluster.broker(1).produceRequests.length === 3, 2000, 'both requests in flight');
    release.open();
    expect(isBrokerError(await refused, 'INVALID_RECORD')).toBe(true);
    expect((await after)[0]!.offset).toBe(1);
    expect(cluster.broker(1).answers[2]!.error_code).toBe(45);
    expect(cluster.broker(1).initProducerIdCalls).toBe(2);
    const last = headersSent(cluster).at(-1)!;
    expect([last.producerId, last.baseSequence]).toEqual([1001, 0]);
    expect(storedValues(cluster.partition('t', 0)!).map((v) => v.split('-')[0])).toEqual(['warm', 'after']);
  });

  it('fails the batch on INVALID_PRODUCER_EPOCH and sends later records under a new producer id', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    cluster.broker(1).produceScript = (_request, index) => (index === 1 ? { kind: 'error', errorCode: INVALID_PRODUCER_EPOCH } : undefined);
    const producer = client.producer({ lingerMs: 0 });
    await producer.send({ topic: 't', messages: [{ value: 'a' }] });
    const error = await producer.send({ topic: 't', messages: [{ value: 'fenced' }] }).catch((e: unknown) => e);
    expect(isBrokerError(error, 'INVALID_PRODUCER_EPOCH')).toBe(true);
    const [result] = await producer.send({ topic: 't', messages: [{ value: 'b' }] });
    expect(result!.offset).toBe(1);
    const last = headersSent(cluster).at(-1)!;
    expect([last.producerId, last.baseSequence]).toEqual([1001, 0]);
    expect(producer.producerIdentity()).toEqual({ producerId: 1001, producerEpoch: 0 });
  });

  it('is off by default with acks 1, refuses acks other than all when asked for, and refuses a per-send acks override', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    expect(() => client.producer({ acks: 1, idempotent: true })).toThrow(/acks 'all'/);
    expect(() => client.producer({ maxInFlightPerPartition: 6 })).toThrow(/at most 5/);
    await client.producer({ acks: 1, lingerMs: 0 }).send({ topic: 't', messages: [{ value: 'plain' }] });
    expect(readBatchHeader(cluster.broker(1).produceRequests[0]!.records).producerId).toBe(-1);
    expect(cluster.broker(1).initProducerIdCalls).toBe(0);
    const error = await client.producer().send({ topic: 't', acks: 1, messages: [{ value: 'x' }] }).catch((e: unknown) => e);
    expect(isBrokerError(error, 'INVALID_REQUEST')).toBe(true);
  });
});
