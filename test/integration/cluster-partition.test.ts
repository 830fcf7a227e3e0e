// Network faults on a real 3-node cluster. A partition {leader} | {others} of a topic partition:
// the majority side elects a new leader and takes acks=all writes through it; after heal the old
// leader truncates, catches up and rejoins the ISR. A follower cut off from its clients: Kafka
// and native clients get no answer from it, while it keeps replicating (acks=all writes that need
// it succeed, the ISR stays full); a client delay holds its answers back; heal lets clients in.
import { Kafka, logLevel } from 'kafkajs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type BrokerlabClient } from '../../src/client/index.js';
import { startCluster, type LocalCluster } from '../../src/index.js';
import { STEADY_LEADERS } from '../support/cluster-load.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How a request ended within `ms`: answered, failed, or still waiting. */
async function outcomeWithin(ms: number, request: () => Promise<unknown>): Promise<'answered' | 'failed' | 'no answer'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'no answer'>((resolve) => (timer = setTimeout(() => resolve('no answer'), ms)));
  const outcome = await Promise.race([request().then(() => 'answered' as const, () => 'failed' as const), late]);
  clearTimeout(timer);
  return outcome;
}

/** A plain TCP connection to host:port, open once this resolves (bounded). */
function openSocket(address: string): Promise<Socket> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: host!, port: Number(port) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection to ${address} within 5 s`));
    }, 5_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** True once `socket` closes, false if it is still open after `ms`. */
function closesWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

const values = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

describe.skipIf(!nodeBuilt)(`network faults on a local cluster (${SKIP_REASON})`, () => {
  let cluster: LocalCluster | undefined;
  const clients: BrokerlabClient[] = [];

  function client(bootstrapServers: string[]): BrokerlabClient {
    const c = createClient({ bootstrapServers, requestTimeoutMs: 5_000 });
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, shutdownTimeoutMs: 3_000, readyTimeoutMs: 60_000, config: { ...STEADY_LEADERS, 'replica.lag.time.max.ms': 2_000 } });
  }, 90_000);
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close({ timeoutMs: 1_000 }).catch(() => undefined)));
    await cluster?.stop();
  }, 60_000);

  it('partition {leader} | {others}: the majority elects a new leader and takes acks=all writes; after heal the old leader rejoins the ISR', async () => {
    const c = cluster!;
    await c.createTopic('split', { partitions: 1, replicationFactor: 3, minInsync: 2, timeoutMs: 30_000 });
    await c.waitForIsr('split', 0, 3, 30_000);
    const oldLeader = await c.leaderOf('split', 0);
    const others = c.nodes.filter((n) => n.id !== oldLeader);

    await c.partition([oldLeader], others.map((n) => n.id));
    const status = await c.status();
    expect(status.networkPartitions).toEqual([{ nodes: [oldLeader], others: others.map((n) => n.id) }]);
    for (const n of others) expect(status.nodes.find((v) => v.id === n.id)?.faults?.peers.filter((p) => p.drop).map((p) => p.node_id)).toEqual([oldLeader]);

    const newLeader = await c.waitForLeader('split', 0, { not: oldLeader, timeoutMs: 30_000 });
    expect(others.map((n) => n.id)).toContain(newLeader);
    const written = values('majority', 10);
    const results = await client(others.map((n) => n.address))
      .producer({ acks: 'all', deliveryTimeoutMs: 30_000 })
      .send({ topic: 'split', messages: written.map((value) => ({ value, partition: 0 })) });
    expect(results.length).toBeGreaterThan(0);
    const isrWhileCut = await c.waitFor((s) => {
      const p = s.partitions.find((x) => x.topic === 'split');
      return p && p.leader === newLeader && !p.isr.includes(oldLeader) ? p.isr : undefined;
    }, 'the ISR without the cut-off old leader', { timeoutMs: 30_000 });
    expect(isrWhileCut).toHaveLength(2);

    await c.heal();
    expect((await c.status()).networkPartitions).toBeUndefined();
    const regrown = await c.waitForIsr('split', 0, 3, 40_000);
    expect(regrown).toContain(oldLeader);
    const p = (await c.status()).partitions.find((x) => x.topic === 'split')!;
    await c.waitFor((s) => s.partitions.find((x) => x.topic === 'split')?.replicaStates.every((r) => r.logEndOffset === p.highWatermark), 'every replica at the high watermark', { timeoutMs: 20_000 });
    expect(p.highWatermark).toBeGreaterThanOrEqual(written.length);
  }, 180_000);

  it('isolating a follower from its clients refuses Kafka and native clients while it keeps replicating; heal lets them back', async () => {
    const c = cluster!;
    await c.createTopic('steady', { partitions: 1, replicationFactor: 3, minInsync: 3, timeoutMs: 30_000 });
    await c.waitForIsr('steady', 0, 3, 30_000);
    const leader = await c.leaderOf('steady', 0);
    const follower = c.nodes.find((n) => n.id !== leader)!;
    const kafkaOfFollower = (): Kafka =>
      new Kafka({ clientId: 'client-faults', brokers: [c.kafkaBrokerOf(follower.id)], logLevel: logLevel.NOTHING, connectionTimeout: 1_000, requestTimeout: 2_000, retry: { retries: 0 } });
    const openConnection = await openSocket(c.kafkaBrokerOf(follower.id));
    expect(await closesWithin(openConnection, 300)).toBe(false);

    await c.isolateClients(follower.id);
    const status = await c.status();
    expect(status.nodes.find((n) => n.id === follower.id)?.faults).toMatchObject({ isolate: false, clients_isolate: true, peers: [] });
    // The open Kafka connection is reset, and a Kafka client whose only seed is the follower cannot connect.
    const closed = await closesWithin(openConnection, 5_000);
    openConnection.destroy();
    expect(closed).toBe(true);
    const refused = kafkaOfFollower().admin();
    expect(await outcomeWithin(5_000, () => refused.connect())).not.toBe('answered');
    await refused.disconnect().catch(() => undefined);
    // The native client's gRPC calls to it fail UNAVAILABLE (and it retries until the bound).
    expect(await outcomeWithin(3_000, () => client([follower.address]).admin().listTopics())).not.toBe('answered');

    // acks=all with min.insync.replicas=3 succeeds only if the follower still fetches from the leader.
    const others = c.nodes.filter((n) => n.id !== follower.id).map((n) => n.address);
    await client(others)
      .producer({ acks: 'all', deliveryTimeoutMs: 20_000 })
      .send({ topic: 'steady', messages: values('while-cut', 5).map((value) => ({ value, partition: 0 })) });
    await sleep(2_500); // past replica.lag.time.max.ms: a follower that stopped fetching would have left the ISR
    const p = (await c.status()).partitions.find((x) => x.topic === 'steady')!;
    expect(p.isr).toHaveLength(3);
    expect(p.replicaStates.find((r) => r.id === follower.id)?.logEndOffset).toBe(5);

    // A client delay instead: answers arrive, late.
    await c.heal(follower.id);
    await c.delayClients(follower.id, 700);
    const delayedAdmin = kafkaOfFollower().admin();
    try {
      // Connecting waits for the seed broker (the follower) to answer: late.
      const startedAt = Date.now();
      expect(await outcomeWithin(10_000, () => delayedAdmin.connect())).toBe('answered');
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(700);
    } finally {
      await delayedAdmin.disconnect().catch(() => undefined);
    }

    await c.heal();
    const healedAdmin = kafkaOfFollower().admin();
    try {
      await healedAdmin.connect();
      expect(await healedAdmin.listTopics()).toContain('steady');
    } finally {
      await healedAdmin.disconnect().catch(() => undefined);
    }
    expect(await outcomeWithin(10_000, () => client([follower.address]).admin().listTopics())).toBe('answered');
  }, 120_000);
});
