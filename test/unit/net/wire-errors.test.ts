/**
 * Errors across the wire: a response's error code (with its message and, for whole-request
 * refusals, the leader hint) comes back as the same BrokerError the serving side failed with:
 * the name, code and retriability of that code, the message without its name doubled, and
 * `details.leaderId` on NOT_CONTROLLER. Checked on the mapping and over real gRPC (controller and
 * replication services) on loopback.
 */
import type * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/common/clock.js';
import { BrokerError, errors, isBrokerError } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import type { ControllerApi } from '../../../src/node/controller-api.js';
import { localController } from '../../../src/node/local-controller.js';
import { addControllerService, GrpcControllerClient } from '../../../src/net/controller-service.js';
import { bindServer, createServer, stopServer } from '../../../src/net/grpc.js';
import { addReplicationService, GrpcFetchSession } from '../../../src/net/replication-service.js';
import type { ReplicaFetchRequest } from '../../../src/broker/fetch-messages.js';
import { NO_ERROR, toWireError, wireError } from '../../../src/net/wire-errors.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function serve(add: (server: grpc.Server) => void): Promise<string> {
  const server = createServer();
  add(server);
  const port = await bindServer(server, '127.0.0.1', 0);
  cleanup.push(() => stopServer(server, 100));
  return `127.0.0.1:${port}`;
}

describe('wireError', () => {
  it('is undefined for code 0 and for an absent code', () => {
    expect(wireError(NO_ERROR)).toBeUndefined();
    expect(wireError({ error_message: '' })).toBeUndefined();
  });

  it('round-trips a BrokerError: name, code, retriability, message, details', () => {
    const sent = errors.notController('leader moved', { leaderId: 3 });
    const back = wireError(toWireError(sent), { leaderId: 3 })!;
    expect(back).toBeInstanceOf(BrokerError);
    expect(back.kafkaName).toBe('NOT_CONTROLLER');
    expect(back.code).toBe(41);
    expect(back.retriable).toBe(true);
    expect(back.message).toBe(sent.message);
    expect(back.details).toEqual({ leaderId: 3 });
    expect(wireError(toWireError(errors.notEnoughReplicas()))!.message).toBe('NOT_ENOUGH_REPLICAS');
  });

  it('maps a code sent without a message (a replica fetch partition result) to its bare error', () => {
    const error = wireError({ error_code: 6 })!;
    expect(error).toBeInstanceOf(BrokerError);
    expect(error.kafkaName).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(error.message).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(error.refreshMetadata).toBe(true);
  });

  it('maps an unknown code and a plain Error to UNKNOWN_SERVER_ERROR, keeping the message', () => {
    const unknown = wireError({ error_code: 9999, error_message: 'something new' })!;
    expect(unknown.kafkaName).toBe('UNKNOWN_SERVER_ERROR');
    expect(unknown.message).toBe('UNKNOWN_SERVER_ERROR: something new');
    const plain = wireError(toWireError(new Error('boom')))!;
    expect(plain.kafkaName).toBe('UNKNOWN_SERVER_ERROR');
    expect(plain.retriable).toBe(false);
    expect(plain.message).toBe('UNKNOWN_SERVER_ERROR: boom');
  });
});

describe('controller service errors over gRPC', () => {
  function api(overrides: Partial<ControllerApi>): ControllerApi {
    const refuse = (): Promise<never> => Promise.reject(errors.invalidRequest('not in this test'));
    return { registerBroker: refuse, heartbeat: refuse, alterPartition: refuse, createTopics: refuse, createPartitions: refuse, deleteTopics: refuse, alterConfigs: refuse, allocateProducerIds: refuse, ...overrides };
  }

  it('rejects with NOT_CONTROLLER carrying the leader hint, and with the exact error otherwise', async () => {
    const address = await serve((s) =>
      addControllerService(
        s,
        api({
          heartbeat: () => Promise.reject(errors.notController('ask node 2', { leaderId: 2 })),
          alterPartition: () => Promise.reject(errors.staleBrokerEpoch('epoch 4 < 5')),
          allocateProducerIds: () => Promise.reject(new Error('disk on fire')),
        }),
      ),
    );
    const client = new GrpcControllerClient(address, 2_000);
    cleanup.push(() => client.close());

    const refused = await client.heartbeat({ brokerId: 1, brokerEpoch: 5, currentMetadataOffset: 0 }).catch((e: unknown) => e);
    expect(isBrokerError(refused, 'NOT_CONTROLLER')).toBe(true);
    expect((refused as BrokerError).retriable).toBe(true);
    expect((refused as BrokerError).details).toEqual({ leaderId: 2 });
    expect((refused as BrokerError).message).toBe('NOT_CONTROLLER: ask node 2');

    const stale = await client.alterPartition({ brokerId: 1, brokerEpoch: 4, topicId: 't', partition: 0, leaderEpoch: 0, partitionEpoch: 0, newIsr: [1] }).catch((e: unknown) => e);
    expect(isBrokerError(stale, 'STALE_BROKER_EPOCH')).toBe(true);
    expect((stale as BrokerError).details).toEqual({ leaderId: 0 });

    const crashed = await client.allocateProducerIds({ brokerId: 1, brokerEpoch: 5 }).catch((e: unknown) => e);
    expect(isBrokerError(crashed, 'UNKNOWN_SERVER_ERROR')).toBe(true);
    expect((crashed as BrokerError).message).toBe('UNKNOWN_SERVER_ERROR: disk on fire');
  });

  it('returns per-topic errors as values, and a starting node refuses with NOT_CONTROLLER naming no leader', async () => {
    let host: ControllerApi | undefined;
    const address = await serve((s) => addControllerService(s, localController(() => host)));
    const client = new GrpcControllerClient(address, 2_000);
    cleanup.push(() => client.close());

    const starting = await client.createPartitions([{ name: 'a', count: 2 }]).catch((e: unknown) => e);
    expect(isBrokerError(starting, 'NOT_CONTROLLER')).toBe(true);
    expect((starting as BrokerError).details).toEqual({ leaderId: 0 });

    host = api({
      createTopics: (requests) => Promise.resolve(requests.map((r) => (r.name === 'taken' ? { name: r.name, error: errors.topicAlreadyExists(`topic ${r.name} exists`) } : { name: r.name, topicId: 'id-1' }))),
      createPartitions: (requests) => Promise.resolve(requests.map((r) => ({ name: r.name, error: errors.invalidPartitions('no increase') }))),
    });
    const results = await client.createTopics([{ name: 'fresh' }, { name: 'taken' }]);
    expect(results[0]).toEqual({ name: 'fresh', topicId: 'id-1' });
    expect(results[1]!.name).toBe('taken');
    expect(isBrokerError(results[1]!.error, 'TOPIC_ALREADY_EXISTS')).toBe(true);
    expect(results[1]!.error!.message).toBe('TOPIC_ALREADY_EXISTS: topic taken exists');
    const grown = await client.createPartitions([{ name: 'a', count: 1 }]);
    expect(isBrokerError(grown[0]!.error, 'INVALID_PARTITIONS')).toBe(true);
  });
});

describe('replica fetch errors over gRPC', () => {
  // Before wireError, a partition error (no error_message on the wire) came back as the TypeError
  // its conversion threw, and the first attempt at wireError let that TypeError escape the stream's
  // data handler: the fetch never settled and the node process died of an unhandled rejection.
  it('carries the whole-request error and each partition error as BrokerErrors', async () => {
    let broker = true;
    const address = await serve((s) =>
      addReplicationService(s, () =>
        broker
          ? (request, done) =>
              done({
                partitions: request.partitions.map((p, i) => ({
                  topicId: p.topicId,
                  partition: p.partition,
                  ...(i === 0 ? { error: errors.fencedLeaderEpoch('epoch 3 < 4') } : {}),
                  highWatermark: 7,
                  logStartOffset: 0,
                  records: Buffer.alloc(0),
                })),
              })
          : undefined,
      ),
    );
    const session = new GrpcFetchSession({ address, clock: systemClock, requestTimeoutMs: 2_000, logger: silentLogger() });
    cleanup.push(() => session.close());
    const request = {
      replicaId: 2,
      brokerEpoch: 1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      partitions: [0, 1].map((partition) => ({ topicId: 't', partition, fetchOffset: 0, lastFetchedEpoch: 0, currentLeaderEpoch: 4, logStartOffset: 0, knownHighWatermark: -1 })),
    };
    const answer = await session.fetch(request);
    expect(answer.error).toBeUndefined();
    expect(isBrokerError(answer.partitions[0]!.error, 'FENCED_LEADER_EPOCH')).toBe(true);
    expect(answer.partitions[0]!.error!.refreshMetadata).toBe(true);
    // A partition's result carries only its code (replication.proto has no per-partition message).
    expect(answer.partitions[0]!.error).toBeInstanceOf(BrokerError);
    expect(answer.partitions[0]!.error!.message).toBe('FENCED_LEADER_EPOCH');
    expect(answer.partitions[1]!.error).toBeUndefined();
    expect(answer.partitions[1]!.highWatermark).toBe(7);

    // A fetch session's fields cross the wire; a request without one arrives without one.
    const seen: Array<ReplicaFetchRequest['session']> = [];
    const sessionAddress = await serve((s) =>
      addReplicationService(s, () => (received, done) => {
        seen.push(received.session);
        done({ partitions: [] });
      }),
    );
    const sessionChannel = new GrpcFetchSession({ address: sessionAddress, clock: systemClock, requestTimeoutMs: 2_000, logger: silentLogger() });
    cleanup.push(() => sessionChannel.close());
    await sessionChannel.fetch({ ...request, session: { id: 9, epoch: 3, forgotten: [{ topicId: 't', partition: 4 }] } });
    await sessionChannel.fetch(request);
    expect(seen).toEqual([{ id: 9, epoch: 3, forgotten: [{ topicId: 't', partition: 4 }] }, undefined]);

    broker = false;
    const refused = await session.fetch(request);
    expect(isBrokerError(refused.error, 'NOT_LEADER_OR_FOLLOWER')).toBe(true);
    expect(refused.partitions).toEqual([]);
  });
});
