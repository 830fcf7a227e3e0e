// Isolating the active controller (both directions cut) makes the remaining quorum elect a new
// one; after healing, the old one follows the new leader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type LocalCluster } from '../../src/index.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

describe.skipIf(!nodeBuilt)(`isolating the active controller (${SKIP_REASON})`, () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3 });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('elects a new controller, and the old one rejoins as a follower once healed', async () => {
    const old = await cluster.waitForController();
    const before = (await cluster.status()).raftTerm ?? 0;
    await cluster.isolate(old);
    const status = await cluster.status();
    expect(status.nodes.find((n) => n.id === old)?.faults?.isolate).toBe(true);
    for (const peer of status.nodes.filter((n) => n.id !== old)) expect(peer.faults?.peers.map((p) => p.node_id)).toContain(old);

    const next = await cluster.waitForController({ not: old, timeoutMs: 10_000 });
    expect(next).not.toBe(old);
    expect((await cluster.status()).raftTerm).toBeGreaterThan(before);

    await cluster.heal();
    await cluster.waitFor(
      (s) => {
        const node = s.nodes.find((n) => n.id === old);
        return node?.raft?.role === 'follower' && node.raft.leader === s.activeController;
      },
      `node ${old} to follow the new controller`,
      { timeoutMs: 15_000 },
    );
    await cluster.waitForReady({ timeoutMs: 15_000 });
  });

  it('runs separate controller and broker roles', async () => {
    const split = await startCluster({ controllers: 3, brokers: 2 });
    try {
      expect(split.bootstrapServers).toHaveLength(2);
      const status = await split.status();
      expect(status.nodes.map((n) => n.roles.join('+'))).toEqual(['controller', 'controller', 'controller', 'broker', 'broker']);
      expect(status.activeController).toBeLessThanOrEqual(3);
      await split.createTopic('split', { partitions: 2, replicationFactor: 2 });
    } finally {
      await split.stop();
    }
  });
});
