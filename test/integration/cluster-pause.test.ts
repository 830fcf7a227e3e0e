// A paused (SIGSTOP) follower stops fetching: once it lags past replica.lag.time.max.ms (or its
// broker session ends) it leaves the ISR, and after SIGCONT it catches up and rejoins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type LocalCluster } from '../../src/index.js';
import { nodeBuilt, produceAll, SKIP_REASON } from '../support/cluster-helpers.js';

describe.skipIf(!nodeBuilt)(`a paused follower (${SKIP_REASON})`, () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, config: { 'replica.lag.time.max.ms': '1000' } });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('leaves the ISR while paused and rejoins after resume', async () => {
    await cluster.createTopic('clicks', { partitions: 1, replicationFactor: 3, minInsync: 2 });
    await cluster.waitForIsr('clicks', 0, 3);
    const leader = await cluster.leaderOf('clicks', 0);
    const follower = cluster.nodes.map((n) => n.id).find((id) => id !== leader)!;

    await cluster.pause(follower);
    expect((await cluster.status()).nodes.find((n) => n.id === follower)?.process).toBe('paused');
    // Writes keep the leader's log end moving, so the paused follower falls behind.
    expect(await produceAll(cluster.bootstrapServers, 'clicks', 0, ['a', 'b', 'c'])).toBe(3);
    const shrunk = await cluster.waitForIsr('clicks', 0, 2, 15_000);
    expect(shrunk).not.toContain(follower);

    await cluster.resume(follower);
    const regrown = await cluster.waitForIsr('clicks', 0, 3, 20_000);
    expect(regrown).toContain(follower);
    const partition = (await cluster.status()).partitions.find((p) => p.topic === 'clicks')!;
    expect(partition.replicaStates.find((r) => r.id === follower)?.logEndOffset).toBe(3);
  });
});
