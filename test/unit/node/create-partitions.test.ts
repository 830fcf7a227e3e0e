// CreatePartitions below the Kafka handler: the controller gRPC service in both directions (manual
// assignments, per-topic refusals, a whole-request NOT_CONTROLLER the router follows), and a
// one-node runtime behind a ClientFront (validateOnly, and answering once the image shows the
// new partitions).
import { afterEach, describe, expect, it } from 'vitest';
import type * as grpc from '@grpc/grpc-js';
import { ClientFront } from '../../../src/broker/client-front.js';
import { ManualClock } from '../../../src/common/clock.js';
import { errors } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import { SeededRandom } from '../../../src/common/random.js';
import type { NewPartitionsRequest, NewPartitionsResult } from '../../../src/controller/index.js';
import { topicByName } from '../../../src/metadata/image.js';
import { addControllerService, GrpcControllerClient } from '../../../src/net/controller-service.js';
import { bindServer, createServer, stopServer } from '../../../src/net/grpc.js';
import { MemoryRaftStorage } from '../../../src/raft/storage/index.js';
import { resolveNodeConfig } from '../../../src/node/config.js';
import type { ControllerApi } from '../../../src/node/controller-api.js';
import { ControllerRouter } from '../../../src/node/controller-router.js';
import { NodeRuntime } from '../../../src/node/node-runtime.js';
import { waitForImage } from '../../../src/node/wait-for-image.js';
import { memoryLog } from '../broker/helpers.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const notCalled = (what: string) => () => {
  throw new Error(`${what} not expected in this test`);
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A ControllerApi whose createPartitions is `grow`; nothing else may be called. */
function controllerWith(grow: ControllerApi['createPartitions']): ControllerApi {
  return {
    registerBroker: notCalled('registerBroker'),
    heartbeat: notCalled('heartbeat'),
    alterPartition: notCalled('alterPartition'),
    createTopics: notCalled('createTopics'),
    createPartitions: grow,
    deleteTopics: notCalled('deleteTopics'),
    alterConfigs: notCalled('alterConfigs'),
    allocateProducerIds: notCalled('allocateProducerIds'),
  };
}

/** Serves `api` on a free port and returns a client of it. */
async function served(api: ControllerApi): Promise<GrpcControllerClient> {
  const server: grpc.Server = createServer();
  addControllerService(server, api);
  const port = await bindServer(server, '127.0.0.1', 0);
  const client = new GrpcControllerClient(`127.0.0.1:${port}`, 5_000);
  cleanups.push(() => stopServer(server, 100));
  cleanups.push(() => client.close());
  return client;
}

describe('CreatePartitions over the controller gRPC service', () => {
  it('carries counts and manual assignments (an empty one included) there, and results with their errors back', async () => {
    const seen: NewPartitionsRequest[][] = [];
    const client = await served(
      controllerWith(async (requests) => {
        seen.push([...requests]);
        return requests.map((r): NewPartitionsResult => (r.name === 'bad' ? { name: r.name, error: errors.invalidPartitions('Topic already has 3 partitions.') } : { name: r.name }));
      }),
    );
    const requests: NewPartitionsRequest[] = [
      { name: 'auto', count: 4 },
      { name: 'manual', count: 3, assignments: [[1, 2], [3, 1]] },
      { name: 'empty', count: 3, assignments: [] },
      { name: 'bad', count: 3 },
    ];
    const results = await client.createPartitions(requests);
    expect(seen).toEqual([requests]);
    expect(results.map((r) => r.name)).toEqual(['auto', 'manual', 'empty', 'bad']);
    expect(results.slice(0, 3).every((r) => r.error === undefined)).toBe(true);
    expect(results[3]!.error).toMatchObject({ kafkaName: 'INVALID_PARTITIONS', message: 'INVALID_PARTITIONS: Topic already has 3 partitions.' });
  });

  it("rejects a whole-request NOT_CONTROLLER with the leader's id, which the router follows", async () => {
    const grown: string[] = [];
    const stale = await served(controllerWith(async () => Promise.reject(errors.notController('node 1 is not the active controller', { leaderId: 2 }))));
    const active = await served(
      controllerWith(async (requests) => {
        grown.push(...requests.map((r) => r.name));
        return requests.map((r) => ({ name: r.name }));
      }),
    );
    await expect(stale.createPartitions([{ name: 't', count: 2 }])).rejects.toMatchObject({ kafkaName: 'NOT_CONTROLLER', details: { leaderId: 2 } });
    const router = new ControllerRouter({ nodeId: 3, leader: () => 1, remote: (id) => (id === 1 ? stale : active) });
    expect(await router.createPartitions([{ name: 't', count: 2 }])).toEqual([{ name: 't' }]);
    expect(grown).toEqual(['t']);
  });
});

describe('CreatePartitions through a ClientFront on a one-node cluster', () => {
  it('validates without changing anything, grows the topic and answers once the image shows it, and refuses shrinking', async () => {
    const config = resolveNodeConfig({ nodeId: 1, roles: ['controller', 'broker'], port: 9001, voters: [{ id: 1, host: '127.0.0.1', port: 9001 }], dataDir: '/unused' });
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
    });
    cleanups.push(() => runtime.shutdown(false));
    /** Runs the node's clock until `work` settles. */
    const settle = async <T>(work: Promise<T>): Promise<T> => {
      let done = false;
      const watched = work.finally(() => {
        done = true;
      });
      for (let i = 0; i < 2_000 && !done; i++) {
        clock.advance(config.timing.raftTickMs);
        await flush();
      }
      return watched;
    };
    // The broker registers with its own controller and is unfenced once caught up.
    await settle(waitForImage(runtime.publisher, clock, (img) => img.brokers.get(1)?.fenced === false, 60_000));
    const front = new ClientFront({
      image: () => runtime.publisher.image(),
      controllerId: () => runtime.driver.leader(),
      createTopics: (requests) => runtime.controller.createTopics(requests),
      deleteTopics: (targets) => runtime.controller.deleteTopics(targets),
      createPartitions: (requests) => runtime.controller.createPartitions(requests),
      replicaManager: () => runtime.replicaManager,
      waitForImage: (predicate, timeoutMs) => waitForImage(runtime.publisher, clock, predicate, timeoutMs),
      initProducerId: notCalled('initProducerId'),
      findCoordinator: notCalled('findCoordinator'),
      groupCoordinator: () => undefined,
      settings: () => config.broker,
      logger: silentLogger(),
    });
    const partitions = (): number => topicByName(runtime.publisher.image(), 't')?.partitions.size ?? 0;
    expect(await settle(front.createTopics([{ name: 't', numPartitions: 2, replicationFactor: 1 }], 5_000))).toMatchObject([{ name: 't', numPartitions: 2 }]);

    expect(await front.createPartitions([{ name: 't', count: 4 }, { name: 'nope', count: 2 }], 5_000, true)).toMatchObject([
      { name: 't' },
      { name: 'nope', error: { kafkaName: 'UNKNOWN_TOPIC_OR_PARTITION' } },
    ]);
    expect(partitions()).toBe(2);

    const grown = await settle(front.createPartitions([{ name: 't', count: 4 }], 5_000));
    expect(grown).toEqual([{ name: 't' }]);
    // Answered only once this node's image has the new partitions, each with a leader.
    expect(partitions()).toBe(4);
    expect([...topicByName(runtime.publisher.image(), 't')!.partitions.values()].map((p) => p.leader)).toEqual([1, 1, 1, 1]);

    const [shrink] = await settle(front.createPartitions([{ name: 't', count: 3 }], 5_000));
    expect(shrink!.error?.message).toBe('INVALID_PARTITIONS: Topic currently has 4 partitions, which is higher than the requested 3.');
    expect(partitions()).toBe(4);
  });
});
