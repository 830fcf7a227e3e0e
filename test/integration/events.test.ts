// The cluster's event log on a real 3-node cluster: kill a partition leader and read, from the
// nodes' logs, that its broker was fenced, that a new leader was elected (with how long the old
// one had been silent) and that the ISR shrank; start it again and read it registered, unfenced
// and back in the ISR; form a consumer group and read its rebalance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents, type ClusterEvent } from '../../cluster/events.js';
import { createClient, type BrokerlabClient } from '../../src/client/index.js';
import { startCluster, type LocalCluster } from '../../src/index.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

const WAIT_MS = 20_000;

describe.skipIf(!nodeBuilt)(`the cluster's event log (${SKIP_REASON})`, () => {
  let cluster: LocalCluster;
  const clients: BrokerlabClient[] = [];

  /** The first event after `sinceMs` that `match` accepts, polling the logs for at most WAIT_MS. */
  async function eventually(sinceMs: number, match: (e: ClusterEvent) => boolean, what: string): Promise<ClusterEvent> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = readEvents(cluster.dir, { sinceMs }).find(match);
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = readEvents(cluster.dir, { sinceMs }).map((e) => `${e.kind} ${e.text}`);
        throw new Error(`no ${what} event within ${WAIT_MS} ms; saw:\n${seen.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  const about = (e: ClusterEvent, topic: string, partition: number): boolean => e.fields['topic'] === topic && e.fields['partition'] === partition;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3 });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close({ timeoutMs: 2_000 })));
    await cluster?.stop();
  });

  it('records a controller election as the cluster starts', async () => {
    const elected = await eventually(0, (e) => e.kind === 'controller-elected', 'controller-elected');
    expect(elected.fields['term']).toBeGreaterThan(0);
    expect(elected.node).toBe(elected.fields['controller']);
  });

  it('records the fencing, the election and the ISR shrink after a leader crash, and the return after a restart', async () => {
    await cluster.createTopic('orders', { partitions: 1, replicationFactor: 3 });
    await cluster.waitForIsr('orders', 0, 3, WAIT_MS);
    const oldLeader = await cluster.leaderOf('orders', 0);
    const killedAt = Date.now();
    await cluster.kill(oldLeader);
    const newLeader = await cluster.waitForLeader('orders', 0, { not: oldLeader, timeoutMs: WAIT_MS });

    const fenced = await eventually(killedAt, (e) => e.kind === 'broker-fenced' && e.fields['broker'] === oldLeader, 'broker-fenced');
    // The active controller fences a dead process at once (its connection closed, its port refuses);
    // a controller that was elected meanwhile may first have to see it refused twice or its session end.
    expect(String(fenced.fields['reason'])).toMatch(/^(process gone: its connection closed and nothing listens at its address|session expired)$/);
    expect(fenced.node).not.toBe(oldLeader);
    const elected = await eventually(killedAt, (e) => e.kind === 'leader-elected' && about(e, 'orders', 0), 'leader-elected');
    expect(elected.fields['leader']).toBe(newLeader);
    expect(elected.fields['previousLeader']).toBe(oldLeader);
    // How long the old leader had been silent when it lost its leadership.
    expect(elected.fields['sinceLastHeardMs']).toBeGreaterThan(0);
    expect(elected.text).toContain(`leader ${oldLeader} -> ${newLeader}`);
    const shrunk = await eventually(killedAt, (e) => e.kind === 'isr-shrunk' && about(e, 'orders', 0), 'isr-shrunk');
    expect(shrunk.fields['replica']).toBe(oldLeader);
    expect(shrunk.fields['isr']).not.toContain(oldLeader);
    expect(String(shrunk.fields['reason'])).toContain('fenced');
    // Each happened once.
    const after = readEvents(cluster.dir, { sinceMs: killedAt });
    expect(after.filter((e) => e.kind === 'leader-elected' && about(e, 'orders', 0))).toHaveLength(1);
    expect(after.filter((e) => e.kind === 'broker-fenced' && e.fields['broker'] === oldLeader)).toHaveLength(1);

    const startedAt = Date.now();
    await cluster.start(oldLeader);
    await cluster.waitForIsr('orders', 0, 3, WAIT_MS);
    await eventually(startedAt, (e) => e.kind === 'broker-registered' && e.fields['broker'] === oldLeader, 'broker-registered');
    await eventually(startedAt, (e) => e.kind === 'broker-unfenced' && e.fields['broker'] === oldLeader, 'broker-unfenced');
    const expanded = await eventually(startedAt, (e) => e.kind === 'isr-expanded' && about(e, 'orders', 0), 'isr-expanded');
    expect(expanded.fields['replica']).toBe(oldLeader);
    expect(expanded.fields['isr']).toContain(oldLeader);
    expect(expanded.node).toBe(newLeader);
    const kinds = readEvents(cluster.dir, { sinceMs: killedAt }).map((e) => e.kind);
    expect(kinds.indexOf('broker-fenced')).toBeLessThan(kinds.lastIndexOf('isr-expanded'));
  });

  it('records a group rebalance when a consumer group forms', async () => {
    await cluster.waitForReady({ timeoutMs: WAIT_MS });
    await cluster.createTopic('clicks', { partitions: 2, replicationFactor: 3 });
    const client = createClient({ bootstrapServers: cluster.bootstrapServers, requestTimeoutMs: 10_000 });
    clients.push(client);
    const consumer = client.consumer({ groupId: 'event-watchers', autoOffsetReset: 'earliest', sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 10_000 });
    const startedAt = Date.now();
    consumer.subscribe(['clicks']);
    const deadline = Date.now() + WAIT_MS;
    while (consumer.assignment().length === 0 && Date.now() < deadline) await consumer.poll({ maxWaitMs: 300 });
    const rebalanced = await eventually(startedAt, (e) => e.kind === 'group-rebalanced' && e.fields['group'] === 'event-watchers', 'group-rebalanced');
    expect(rebalanced.fields['generation']).toBeGreaterThan(0);
    expect(rebalanced.fields['members']).toEqual([consumer.groupMetadata()!.memberId]);
  });
});
