// A real 3-node cluster: kill a partition leader, watch a new one take over with a shrunk ISR,
// bring the node back and watch the ISR grow again, with no acknowledged write lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type LocalCluster } from '../../src/index.js';
import { nodeBuilt, produceAll, readPartition, SKIP_REASON, valuesOf } from './cluster-helpers.js';

describe.skipIf(!nodeBuilt)(`failover after a leader crash (${SKIP_REASON})`, () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3 });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('elects a new leader, shrinks and regrows the ISR, and keeps every acks=all write', async () => {
    const [partition] = await cluster.createTopic('orders', { partitions: 1, replicationFactor: 3, minInsync: 2 });
    expect(partition!.replicas).toHaveLength(3);
    await cluster.waitForIsr('orders', 0, 3);
    const first = Array.from({ length: 100 }, (_, i) => `before-${i}`);
    expect(await produceAll(cluster.bootstrapServers, 'orders', 0, first)).toBe(100);

    const oldLeader = await cluster.leaderOf('orders', 0);
    expect(oldLeader).toBeGreaterThan(0);
    await cluster.kill(oldLeader);
    const newLeader = await cluster.waitForLeader('orders', 0, { not: oldLeader, timeoutMs: 10_000 });
    expect(newLeader).not.toBe(oldLeader);
    const shrunk = await cluster.waitForIsr('orders', 0, 2, 10_000);
    expect(shrunk).not.toContain(oldLeader);
    const status = await cluster.status();
    expect(status.nodes.find((n) => n.id === oldLeader)?.process).toBe('dead');

    // Two in-sync replicas still meet min.insync.replicas=2.
    const second = Array.from({ length: 100 }, (_, i) => `after-${i}`);
    expect(await produceAll(cluster.bootstrapServers, 'orders', 0, second)).toBe(100);

    await cluster.start(oldLeader);
    const regrown = await cluster.waitForIsr('orders', 0, 3, 20_000);
    expect(regrown).toContain(oldLeader);
    const p = (await cluster.status()).partitions.find((q) => q.topic === 'orders')!;
    expect(p.highWatermark).toBe(200);

    const records = await readPartition(cluster.bootstrapServers, 'orders', 0, 200);
    expect(valuesOf(records)).toEqual([...first, ...second]);
  });

  it('moves leadership away on a controlled shutdown (stop) before the node exits', async () => {
    await cluster.waitForReady({ timeoutMs: 20_000 });
    await cluster.createTopic('payments', { partitions: 1, replicationFactor: 3 });
    const leader = await cluster.leaderOf('payments', 0);
    const outcome = await cluster.stop(leader);
    expect(outcome?.graceful).toBe(true);
    expect(await cluster.waitForLeader('payments', 0, { not: leader, timeoutMs: 5000 })).not.toBe(leader);
    await cluster.start(leader);
    await cluster.waitForIsr('payments', 0, 3, 20_000);
  });
});
