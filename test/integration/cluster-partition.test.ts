// Network faults on a real 3-node cluster. A partition {leader} | {others} of a topic partition:
// the majority side elects a new leader and takes acks=all writes through it; after heal the old
// leader truncates, catches up and rejoins the ISR.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type BrokerlabClient } from '../../src/client/index.js';
import { startCluster, type LocalCluster } from '../../src/index.js';
import { STEADY_LEADERS } from '../support/cluster-load.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

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
});
