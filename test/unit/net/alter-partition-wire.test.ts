/**
 * AlterPartition over real gRPC on loopback: each ISR member's broker epoch (KIP-903's
 * NewIsrWithEpochs) arrives as sent, and a request without it (an older sender) arrives without it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { errors } from '../../../src/common/errors.js';
import type { AlterPartitionRequest } from '../../../src/metadata/types.js';
import type { ControllerApi } from '../../../src/node/controller-api.js';
import { addControllerService, GrpcControllerClient } from '../../../src/net/controller-service.js';
import { bindServer, createServer, stopServer } from '../../../src/net/grpc.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('AlterPartition on the wire', () => {
  it('carries each member with its broker epoch, -1 included', async () => {
    const received: AlterPartitionRequest[] = [];
    const refuse = (): Promise<never> => Promise.reject(errors.invalidRequest('not in this test'));
    const api: ControllerApi = {
      registerBroker: refuse,
      heartbeat: refuse,
      createTopics: refuse,
      createPartitions: refuse,
      deleteTopics: refuse,
      alterConfigs: refuse,
      allocateProducerIds: refuse,
      alterPartition: (req) => {
        received.push(req);
        return Promise.resolve({ topicId: req.topicId, topic: 't', partition: 0, replicas: [1, 2, 3], isr: [...req.newIsr], leader: 1, leaderEpoch: 0, partitionEpoch: 1 });
      },
    };
    const server = createServer();
    addControllerService(server, api);
    const port = await bindServer(server, '127.0.0.1', 0);
    cleanup.push(() => stopServer(server, 100));
    const client = new GrpcControllerClient(`127.0.0.1:${port}`, 2_000);
    cleanup.push(() => client.close());

    const base = { brokerId: 1, brokerEpoch: 12, topicId: 'id-t', partition: 0, leaderEpoch: 0, partitionEpoch: 0, newIsr: [1, 2, 3] };
    const newIsrWithEpochs = [
      { brokerId: 1, brokerEpoch: 12 },
      { brokerId: 2, brokerEpoch: 2 ** 40 },
      { brokerId: 3, brokerEpoch: -1 },
    ];
    await client.alterPartition({ ...base, newIsrWithEpochs });
    await client.alterPartition(base);
    expect(received[0]).toEqual({ ...base, newIsrWithEpochs });
    expect(received[1]).toEqual(base);
  });
});
