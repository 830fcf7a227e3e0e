// A broker registers its Kafka listener with the active controller, so the metadata image (and
// the Metadata responses built from it) can list it: through NodeRuntime's option, BrokerHost's
// registration, and the controller gRPC service in both directions.
import { afterEach, describe, expect, it } from 'vitest';
import type * as grpc from '@grpc/grpc-js';
import { ManualClock } from '../../../src/common/clock.js';
import { silentLogger } from '../../../src/common/logger.js';
import { SeededRandom } from '../../../src/common/random.js';
import type { RegisterBrokerRequest } from '../../../src/controller/index.js';
import type { Endpoint } from '../../../src/metadata/types.js';
import { addControllerService, GrpcControllerClient } from '../../../src/net/controller-service.js';
import { bindServer, createServer, stopServer } from '../../../src/net/grpc.js';
import { MemoryRaftStorage } from '../../../src/raft/storage/index.js';
import { BrokerHost } from '../../../src/node/broker-host.js';
import { resolveNodeConfig } from '../../../src/node/config.js';
import type { ControllerApi } from '../../../src/node/controller-api.js';
import { MetadataPublisher } from '../../../src/node/metadata-publisher.js';
import { NodeRuntime } from '../../../src/node/node-runtime.js';
import { memoryLog } from '../broker/helpers.js';

const KAFKA: Endpoint = { host: 'broker-1.example', port: 19092 };
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const notCalled = (what: string) => () => {
  throw new Error(`${what} not expected in this test`);
};

/** A ControllerApi that records registrations and answers them with epoch 5. */
function recordingController(registrations: RegisterBrokerRequest[]): ControllerApi {
  return {
    registerBroker: async (request) => {
      registrations.push(request);
      return { brokerEpoch: 5 };
    },
    heartbeat: async () => ({ isFenced: true, isCaughtUp: false, inControlledShutdown: false, shouldShutdown: false }),
    alterPartition: notCalled('alterPartition'),
    createTopics: notCalled('createTopics'),
    createPartitions: notCalled('createPartitions'),
    deleteTopics: notCalled('deleteTopics'),
    alterConfigs: notCalled('alterConfigs'),
    allocateProducerIds: notCalled('allocateProducerIds'),
  };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Registers one BrokerHost through `controller` and returns what the controller side saw. */
async function registerThrough(controller: ControllerApi, seen: RegisterBrokerRequest[], kafkaEndpoint?: Endpoint): Promise<RegisterBrokerRequest> {
  const clock = new ManualClock(1_000);
  const host = new BrokerHost({
    brokerId: 1,
    incarnationId: 'incarnation-a',
    endpoint: { host: '127.0.0.1', port: 9001 },
    ...(kafkaEndpoint ? { kafkaEndpoint } : {}),
    controller,
    publisher: new MetadataPublisher(silentLogger()),
    clock,
    timing: resolveNodeConfig({ nodeId: 1, roles: ['broker', 'controller'], port: 9001, voters: [{ id: 1, host: '127.0.0.1', port: 9001 }], dataDir: '/x' }).timing,
    logger: silentLogger(),
  });
  cleanups.push(() => host.stop());
  host.start();
  clock.advance(0);
  for (let i = 0; i < 500 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  expect(seen).toHaveLength(1);
  return seen[0]!;
}

describe('registering the Kafka endpoint', () => {
  it('BrokerHost sends its Kafka endpoint with the registration, and none when it has no listener', async () => {
    const seen: RegisterBrokerRequest[] = [];
    expect(await registerThrough(recordingController(seen), seen, KAFKA)).toEqual({
      brokerId: 1,
      incarnationId: 'incarnation-a',
      endpoint: { host: '127.0.0.1', port: 9001 },
      kafkaEndpoint: KAFKA,
    });
    const without: RegisterBrokerRequest[] = [];
    expect(await registerThrough(recordingController(without), without)).not.toHaveProperty('kafkaEndpoint');
  });

  it('the controller gRPC service carries kafka_endpoint from client to server, and its absence', async () => {
    const seen: RegisterBrokerRequest[] = [];
    const server: grpc.Server = createServer();
    addControllerService(server, recordingController(seen));
    const port = await bindServer(server, '127.0.0.1', 0);
    const client = new GrpcControllerClient(`127.0.0.1:${port}`, 5_000);
    cleanups.push(() => stopServer(server, 100));
    cleanups.push(() => client.close());

    expect(await client.registerBroker({ brokerId: 2, incarnationId: 'x', endpoint: { host: '127.0.0.1', port: 9002 }, kafkaEndpoint: KAFKA })).toEqual({ brokerEpoch: 5 });
    expect(seen[0]).toEqual({ brokerId: 2, incarnationId: 'x', endpoint: { host: '127.0.0.1', port: 9002 }, kafkaEndpoint: KAFKA });
    await client.registerBroker({ brokerId: 3, incarnationId: 'y', endpoint: { host: '127.0.0.1', port: 9003 } });
    // proto3 sends no message for an unset field; the server must not invent an endpoint 0.
    expect(seen[1]).toEqual({ brokerId: 3, incarnationId: 'y', endpoint: { host: '127.0.0.1', port: 9003 } });
  });

  it("NodeRuntime registers the endpoint it is given, and the node's own image lists it", async () => {
    const config = resolveNodeConfig({
      nodeId: 1,
      roles: ['controller', 'broker'],
      port: 9001,
      voters: [{ id: 1, host: '127.0.0.1', port: 9001 }],
      dataDir: '/unused',
      listeners: 'PLAINTEXT://127.0.0.1:0',
    });
    const clock = new ManualClock(1_000);
    const runtime = await NodeRuntime.start({
      config,
      clock,
      random: new SeededRandom(1),
      logger: silentLogger(),
      incarnationId: 'single-node',
      raftStorage: new MemoryRaftStorage(),
      raftTransport: { send: () => undefined, onMessage: () => undefined },
      openLog: (topic, partition) => memoryLog(clock, topic, partition),
      deleteLog: () => undefined,
      remoteController: notCalled('remoteController'),
      openFetchSession: notCalled('openFetchSession'),
      kafkaEndpoint: KAFKA,
    });
    cleanups.push(() => runtime.shutdown(false));
    // A one-voter quorum elects itself; the broker then registers with its own controller.
    for (let i = 0; i < 400 && !runtime.publisher.image().brokers.get(1); i++) {
      clock.advance(config.timing.raftTickMs);
      await flush();
    }
    expect(runtime.publisher.image().brokers.get(1)).toMatchObject({ endpoint: { host: '127.0.0.1', port: 9001 }, kafkaEndpoint: KAFKA });
  });
});
