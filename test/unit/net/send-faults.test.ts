// `delay N` delays everything N sends: each kind of send a node makes over gRPC goes through its
// NetworkFaults, which run-node hands to every service and client. The faults run on a manual
// clock, so a delayed send is held until the clock is advanced by the delay, however long the
// real network takes: the controller's answers (heartbeats), the controller requests a broker
// sends, the fetch responses a leader sends, the fetch requests a follower sends, and the group
// coordinator's answers.
import { afterEach, describe, expect, it } from 'vitest';
import type * as grpc from '@grpc/grpc-js';
import { ManualClock, systemClock } from '../../../src/common/clock.js';
import { silentLogger } from '../../../src/common/logger.js';
import type { ReplicaFetchRequest } from '../../../src/broker/index.js';
import { addControllerService, GrpcControllerClient } from '../../../src/net/controller-service.js';
import { NetworkFaults, peerLink } from '../../../src/net/faults.js';
import { addGroupService } from '../../../src/net/group-service.js';
import { bindServer, createClient, createServer, stopServer } from '../../../src/net/grpc.js';
import { serviceConstructor } from '../../../src/net/proto-loader.js';
import { addReplicationService, GrpcFetchSession } from '../../../src/net/replication-service.js';
import type { ControllerApi } from '../../../src/node/controller-api.js';

const DELAY_MS = 200;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const realWait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A delay of DELAY_MS on everything sent, on a clock that moves only when told. */
function delayedFaults(): { faults: NetworkFaults; clock: ManualClock } {
  const clock = new ManualClock();
  const faults = new NetworkFaults(clock);
  faults.set({ isolate: false, delayMs: DELAY_MS, peers: [] });
  return { faults, clock };
}

async function serve(add: (server: grpc.Server) => void): Promise<string> {
  const server = createServer();
  add(server);
  const port = await bindServer(server, '127.0.0.1', 0);
  cleanups.push(() => stopServer(server, 100));
  return `127.0.0.1:${port}`;
}

/** Whether a promise has settled yet. */
function track<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  const tracked = promise.finally(() => (done = true));
  return { settled: () => done, promise: tracked };
}

/** The send is held while the clock stands still, and goes out once it has moved by the delay. */
async function expectHeldForTheDelay<T>(clock: ManualClock, pending: { settled: () => boolean; promise: Promise<T> }): Promise<T> {
  await realWait(300);
  expect(pending.settled()).toBe(false);
  clock.advance(DELAY_MS - 1);
  await realWait(100);
  expect(pending.settled()).toBe(false);
  clock.advance(1);
  return pending.promise;
}

function heartbeatingController(calls: number[]): ControllerApi {
  const no = () => Promise.reject(new Error('not expected'));
  return {
    registerBroker: no,
    heartbeat: async (r) => {
      calls.push(r.brokerId);
      return { isFenced: false, isCaughtUp: true, inControlledShutdown: false, shouldShutdown: false };
    },
    alterPartition: no,
    createTopics: no,
    createPartitions: no,
    deleteTopics: no,
    alterConfigs: no,
    allocateProducerIds: no,
  };
}

const heartbeat = { brokerId: 2, brokerEpoch: 1, currentMetadataOffset: 0 };

function fetchRequest(): ReplicaFetchRequest {
  return { replicaId: 2, brokerEpoch: 1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, partitions: [] };
}

describe('a node delays everything it sends', () => {
  it('delays the controller answers it serves (a broker heartbeat answered by a delayed controller)', async () => {
    const { faults, clock } = delayedFaults();
    const calls: number[] = [];
    const address = await serve((s) => addControllerService(s, heartbeatingController(calls), faults));
    const client = new GrpcControllerClient(address, 5_000);
    cleanups.push(() => client.close());
    const answer = track(client.heartbeat(heartbeat));
    const res = await expectHeldForTheDelay(clock, answer);
    expect(calls).toEqual([2]);
    expect(res.isFenced).toBe(false);
  });

  it('delays the controller requests it sends (heartbeats, AlterPartition, forwarded admin requests)', async () => {
    const { faults, clock } = delayedFaults();
    const calls: number[] = [];
    const address = await serve((s) => addControllerService(s, heartbeatingController(calls)));
    const client = new GrpcControllerClient(address, 5_000, peerLink(faults, 1));
    cleanups.push(() => client.close());
    const answer = track(client.heartbeat(heartbeat));
    await realWait(300);
    expect(calls).toEqual([]);
    await expectHeldForTheDelay(clock, answer);
    expect(calls).toEqual([2]);
  });

  it('delays the fetch responses it sends as a leader', async () => {
    const { faults, clock } = delayedFaults();
    const served: number[] = [];
    const address = await serve((s) =>
      addReplicationService(
        s,
        () => (request, done) => {
          served.push(request.replicaId);
          done({ partitions: [] });
        },
        faults,
      ),
    );
    const session = new GrpcFetchSession({ address, clock: systemClock, requestTimeoutMs: 5_000, logger: silentLogger() });
    cleanups.push(() => session.close());
    const answer = track(session.fetch(fetchRequest()));
    const res = await expectHeldForTheDelay(clock, answer);
    expect(served).toEqual([2]);
    expect(res.partitions).toEqual([]);
  });

  it('delays the fetch requests it sends as a follower', async () => {
    const { faults, clock } = delayedFaults();
    const served: number[] = [];
    const address = await serve((s) =>
      addReplicationService(s, () => (request, done) => {
        served.push(request.replicaId);
        done({ partitions: [] });
      }),
    );
    const session = new GrpcFetchSession({ address, clock: systemClock, requestTimeoutMs: 5_000, link: peerLink(faults, 1), logger: silentLogger() });
    cleanups.push(() => session.close());
    const answer = track(session.fetch(fetchRequest()));
    await realWait(300);
    expect(served).toEqual([]);
    await expectHeldForTheDelay(clock, answer);
    expect(served).toEqual([2]);
  });

  it('delays the group coordinator answers it sends', async () => {
    const { faults, clock } = delayedFaults();
    const address = await serve((s) =>
      addGroupService(s, {
        findCoordinator: async () => ({ nodeId: 3, host: 'h', port: 1 }),
        coordinator: () => undefined,
        logger: silentLogger(),
        faults,
      }),
    );
    type Stub = grpc.Client & { FindCoordinator(req: object, cb: (e: grpc.ServiceError | null, res: { node_id: number }) => void): void };
    const stub = createClient<Stub>(serviceConstructor('group.proto', 'brokerlab.group.GroupCoordinator'), address);
    cleanups.push(() => stub.close());
    const answer = track(
      new Promise<{ node_id: number }>((resolve, reject) => stub.FindCoordinator({ group_id: 'g' }, (e, res) => (e ? reject(e) : resolve(res)))),
    );
    expect((await expectHeldForTheDelay(clock, answer)).node_id).toBe(3);
  });

  it('still drops, not delays, what a cut link carries: a request from a cut-off broker goes unanswered', async () => {
    const clock = new ManualClock();
    const faults = new NetworkFaults(clock);
    faults.setPeer(2, { drop: true });
    const calls: number[] = [];
    const address = await serve((s) => addControllerService(s, heartbeatingController(calls), faults));
    const client = new GrpcControllerClient(address, 400);
    cleanups.push(() => client.close());
    await expect(client.heartbeat(heartbeat)).rejects.toThrow();
    expect(calls).toEqual([]);
  });
});
