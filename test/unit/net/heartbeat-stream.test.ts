// A broker's heartbeats travel over one BrokerHeartbeats stream per controller node. Each must
// still behave like the call it replaced: matched to its own answer even when answers overtake one
// another, failed with REQUEST_TIMED_OUT when the controller never answers (without breaking the
// stream for the next one), failed at once when the stream breaks, and sent again on a new stream.
import type * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { isBrokerError } from '../../../src/common/errors.js';
import type { BrokerHeartbeatRequest, BrokerHeartbeatResponse } from '../../../src/controller/index.js';
import { addControllerService, GrpcControllerClient } from '../../../src/net/controller-service.js';
import { bindServer, createServer, stopServer } from '../../../src/net/grpc.js';
import type { ControllerApi } from '../../../src/node/controller-api.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Heartbeat = (request: BrokerHeartbeatRequest) => Promise<BrokerHeartbeatResponse>;

function controller(heartbeat: Heartbeat): ControllerApi {
  const no = () => Promise.reject(new Error('not expected'));
  return { registerBroker: no, heartbeat, alterPartition: no, createTopics: no, createPartitions: no, deleteTopics: no, alterConfigs: no, allocateProducerIds: no };
}

async function serve(api: ControllerApi, port = 0): Promise<{ server: grpc.Server; address: string; port: number }> {
  const server = createServer();
  addControllerService(server, api);
  const bound = await bindServer(server, '127.0.0.1', port);
  return { server, address: `127.0.0.1:${bound}`, port: bound };
}

/** Answers fenced iff the broker epoch is odd, so each answer shows which request it belongs to. */
const byEpoch = (r: BrokerHeartbeatRequest): BrokerHeartbeatResponse => ({
  isFenced: r.brokerEpoch % 2 === 1,
  isCaughtUp: true,
  inControlledShutdown: false,
  shouldShutdown: false,
});

describe('broker heartbeats over one stream', () => {
  it('matches each answer to its heartbeat when the controller answers them out of order', async () => {
    const held: Array<() => void> = [];
    const { server, address } = await serve(
      controller((r) => new Promise((resolve) => (r.brokerEpoch === 1 ? held.push(() => resolve(byEpoch(r))) : resolve(byEpoch(r))))),
    );
    cleanups.push(() => stopServer(server, 100));
    const client = new GrpcControllerClient(address, 5_000);
    cleanups.push(() => client.close());

    const first = client.heartbeat({ brokerId: 2, brokerEpoch: 1, currentMetadataOffset: 0 });
    const second = await client.heartbeat({ brokerId: 2, brokerEpoch: 2, currentMetadataOffset: 0 });
    expect(second.isFenced).toBe(false);
    expect(held).toHaveLength(1);
    held[0]!();
    expect((await first).isFenced).toBe(true);
  });

  it('fails a heartbeat the controller never answers with REQUEST_TIMED_OUT, and the stream carries the next one', async () => {
    let answer = false;
    const { server, address } = await serve(controller((r) => (answer ? Promise.resolve(byEpoch(r)) : new Promise(() => undefined))));
    cleanups.push(() => stopServer(server, 100));
    const client = new GrpcControllerClient(address, 300);
    cleanups.push(() => client.close());

    const lost = await client.heartbeat({ brokerId: 2, brokerEpoch: 2, currentMetadataOffset: 0 }).catch((e: unknown) => e);
    expect(isBrokerError(lost, 'REQUEST_TIMED_OUT')).toBe(true);
    answer = true;
    const next = await client.heartbeat({ brokerId: 2, brokerEpoch: 3, currentMetadataOffset: 0 });
    expect(next.isFenced).toBe(true);
  });

  it('fails the heartbeats waiting on a stream that breaks at once, and opens a new stream for the next', async () => {
    const { server, address, port } = await serve(controller(() => new Promise(() => undefined)));
    const client = new GrpcControllerClient(address, 10_000);
    cleanups.push(() => client.close());

    const waiting = client.heartbeat({ brokerId: 2, brokerEpoch: 2, currentMetadataOffset: 0 }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const brokeAt = Date.now();
    server.forceShutdown();
    const failure = await waiting;
    expect(Date.now() - brokeAt).toBeLessThan(5_000); // long before the heartbeat's own 10 s deadline
    expect(isBrokerError(failure, 'NETWORK_EXCEPTION')).toBe(true);

    const again = await serve(controller((r) => Promise.resolve(byEpoch(r))), port);
    cleanups.push(() => stopServer(again.server, 100));
    const answered = await client.heartbeat({ brokerId: 2, brokerEpoch: 4, currentMetadataOffset: 0 });
    expect(answered.isFenced).toBe(false);
  });
});
