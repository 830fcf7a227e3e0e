import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerPool, parseAddress } from '../../../src/client/broker-pool.js';
import { brokerErrorFromGrpc } from '../../../src/client/connection.js';
import { MetadataCache } from '../../../src/client/metadata-cache.js';
import { findClientProto } from '../../../src/client/wire.js';
import { isBrokerError } from '../../../src/common/errors.js';
import { FakeCluster, waitUntil } from './fake-cluster.js';

let cluster: FakeCluster | undefined;
let pool: BrokerPool | undefined;
let metadata: MetadataCache | undefined;

afterEach(() => {
  metadata?.close();
  pool?.close();
  cluster?.stop();
  metadata = undefined;
  pool = undefined;
  cluster = undefined;
});

function setUpCache(bootstrap: string[], options: Partial<{ requestTimeoutMs: number; metadataMaxAgeMs: number; refreshMinIntervalMs: number }> = {}): MetadataCache {
  pool = new BrokerPool(bootstrap, { clientId: 'test', maxReceiveMessageBytes: 1 << 20 });
  metadata = new MetadataCache(pool, { requestTimeoutMs: 1000, metadataMaxAgeMs: 60_000, refreshMinIntervalMs: 100, ...options });
  return metadata;
}

function totalMetadataCalls(): number {
  return cluster!.brokers.reduce((n, b) => n + b.metadataCalls, 0);
}

describe('connections and metadata', () => {
  it('map gRPC failures to retriable Kafka errors', () => {
    const failure = (code: grpc.status, details: string) => Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
    const unavailable = brokerErrorFromGrpc(failure(grpc.status.UNAVAILABLE, 'connect refused'), 'Metadata to x');
    expect(unavailable.kafkaName).toBe('NETWORK_EXCEPTION');
    expect(unavailable.retriable).toBe(true);
    expect(unavailable.refreshMetadata).toBe(true);
    const late = brokerErrorFromGrpc(failure(grpc.status.DEADLINE_EXCEEDED, 'deadline'), 'Fetch to x');
    expect(late.kafkaName).toBe('REQUEST_TIMED_OUT');
    expect(late.retriable).toBe(true);
    expect(brokerErrorFromGrpc(failure(grpc.status.UNKNOWN, 'NOT_CONTROLLER: moved'), 'c').kafkaName).toBe('NOT_CONTROLLER');
    expect(brokerErrorFromGrpc(failure(grpc.status.INTERNAL, 'boom'), 'c').kafkaName).toBe('UNKNOWN_SERVER_ERROR');
  });

  it('find proto/client.proto from the source tree and from the built tree', () => {
    const fromSource = findClientProto(fileURLToPath(new URL('../../../src/client/wire.ts', import.meta.url)));
    const fromDist = findClientProto(fileURLToPath(new URL('../../../dist/src/client/wire.js', import.meta.url)));
    expect(fromSource).toMatch(/proto\/client\.proto$/);
    expect(fromDist).toBe(fromSource);
  });

  it('parse host:port addresses and refuse anything else', () => {
    expect(parseAddress('127.0.0.1:9092')).toEqual({ host: '127.0.0.1', port: 9092 });
    expect(parseAddress('[::1]:9092')).toEqual({ host: '[::1]', port: 9092 });
    expect(() => parseAddress('localhost')).toThrow(/host:port/);
    expect(() => new BrokerPool([], { clientId: 'x', maxReceiveMessageBytes: 1 })).toThrow(/at least one/);
  });

  it('skip an unreachable bootstrap address and learn every broker from the one that answers', async () => {
    cluster = await FakeCluster.start(2);
    cluster.addTopic('t', 2, [1, 2]);
    const dead = await FakeCluster.start(1);
    const deadAddress = dead.bootstrapServers[0]!;
    dead.stop();
    const cache = setUpCache([deadAddress, cluster.brokers[0]!.address], { requestTimeoutMs: 5000 });
    cache.addTopics(['t']);
    await cache.refresh();
    expect(cache.leaderOf('t', 1)).toEqual({ brokerId: 2, leaderEpoch: 0, address: cluster.broker(2).address });
    expect(cache.partitionCount('t')).toBe(2);
    expect(cache.controllerId()).toBe(1);
  });

  it('fail a metadata request to a broker that never answers with REQUEST_TIMED_OUT, in bounded time', async () => {
    cluster = await FakeCluster.start(1);
    cluster.broker(1).silentUnary = true;
    const cache = setUpCache(cluster.bootstrapServers, { requestTimeoutMs: 200 });
    const startedMs = Date.now();
    const error = await cache.fetch([]).catch((e: unknown) => e);
    expect(isBrokerError(error, 'REQUEST_TIMED_OUT')).toBe(true);
    expect(Date.now() - startedMs).toBeLessThan(1000);
  });

  it('share one fetch among concurrent refreshes and keep refreshes refreshMinIntervalMs apart', async () => {
    cluster = await FakeCluster.start(1);
    cluster.addTopic('t', 1);
    const cache = setUpCache(cluster.bootstrapServers, { refreshMinIntervalMs: 200 });
    cache.addTopics(['t']);
    await Promise.all([cache.refresh(), cache.refresh(), cache.refresh()]);
    expect(totalMetadataCalls()).toBe(1);
    const startedMs = Date.now();
    for (let i = 0; i < 10; i++) cache.requestRefresh();
    await cache.refresh();
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(150);
    expect(totalMetadataCalls()).toBe(2);
  });

  it('refresh in the background once metadataMaxAgeMs has passed', async () => {
    cluster = await FakeCluster.start(1);
    cluster.addTopic('t', 1);
    const cache = setUpCache(cluster.bootstrapServers, { metadataMaxAgeMs: 100, refreshMinIntervalMs: 10 });
    cache.addTopics(['t']);
    await cache.refresh();
    const startedMs = Date.now();
    cluster.moveLeader('t', 0, 1);
    await waitUntil(() => totalMetadataCalls() >= 3, 3000, 'two background refreshes');
    // Two background refreshes, each at least metadataMaxAgeMs after the previous one.
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(190);
    expect(cache.partitionInfo('t', 0)!.leader_epoch).toBe(1);
    cache.close();
    const callsAtClose = totalMetadataCalls();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(totalMetadataCalls()).toBe(callsAtClose);
  });

  it('keep waiting for a topic that does not exist yet, and see it once created', async () => {
    cluster = await FakeCluster.start(1);
    const cache = setUpCache(cluster.bootstrapServers, { refreshMinIntervalMs: 20 });
    setTimeout(() => cluster!.addTopic('late', 4), 150);
    const topic = await cache.waitForTopic('late', 2000);
    expect(topic.partitions).toHaveLength(4);
  });
});
