// A restarted old leader rejoins, on real node processes. The leader is isolated from its peers
// and keeps taking acks=1 writes nobody copies (a diverged tail); the others elect a new leader
// and take acks=all writes at the same offsets. Killed and started again, the old leader must
// truncate its tail at the divergence point, fetch the new leader's records, rejoin the ISR, and
// end with a log identical to every other replica's up to the high watermark.
import { afterEach, describe, expect, it } from 'vitest';
import { readReplicaLogs, STEADY_LEADERS, waitForQuiet, withClusterPicture, type StoredLog } from '../support/cluster-load.js';
import { createClient, type BrokerlabClient } from '../../src/client/index.js';
import { startCluster, type LocalCluster } from '../../src/index.js';

const TOPIC = 'rejoin';
const values = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

describe('replication: a restarted broker rejoins the ISR', () => {
  let cluster: LocalCluster | undefined;
  const clients: BrokerlabClient[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close({ timeoutMs: 1_000 }).catch(() => undefined)));
    await cluster?.stop();
    cluster = undefined;
  }, 120_000);

  function client(bootstrapServers: string[]): BrokerlabClient {
    const c = createClient({ bootstrapServers, requestTimeoutMs: 5_000 });
    clients.push(c);
    return c;
  }

  it('truncates its diverged tail, catches up, rejoins the ISR, and every replica is identical up to the high watermark', async () => {
    cluster = await startCluster({ nodes: 3, shutdownTimeoutMs: 3_000, readyTimeoutMs: 60_000, config: STEADY_LEADERS });
    await cluster.createTopic(TOPIC, { partitions: 1, replicationFactor: 3, minInsync: 2, timeoutMs: 30_000 });
    await cluster.waitForIsr(TOPIC, 0, 3, 30_000);
    const committed = values('committed', 20);
    await client(cluster.bootstrapServers).producer({ acks: 'all' }).send({ topic: TOPIC, messages: committed.map((value) => ({ value, partition: 0 })) });

    // Cut the leader off from its peers; clients still reach it, and it still thinks it leads.
    const oldLeader = await cluster.leaderOf(TOPIC, 0);
    const oldLeaderNode = cluster.nodes.find((n) => n.id === oldLeader)!;
    await cluster.isolate(oldLeader);
    const toOldLeader = client([oldLeaderNode.address]).producer({ acks: 1, deliveryTimeoutMs: 5_000 });
    const diverged = values('diverged', 20);
    let acknowledgedByOldLeader = 0;
    for (const value of diverged) {
      await toOldLeader.send({ topic: TOPIC, messages: [{ value, partition: 0 }] }).then(
        () => acknowledgedByOldLeader++,
        () => undefined,
      );
    }
    expect(acknowledgedByOldLeader, 'acks=1 writes the isolated leader acknowledged').toBeGreaterThan(0);

    const newLeader = await cluster.waitForLeader(TOPIC, 0, { not: oldLeader, timeoutMs: 30_000 });
    const others = cluster.nodes.filter((n) => n.id !== oldLeader).map((n) => n.address);
    const replacing = values('replacing', 30);
    const [first] = await client(others)
      .producer({ acks: 'all', deliveryTimeoutMs: 30_000 })
      .send({ topic: TOPIC, messages: replacing.map((value) => ({ value, partition: 0 })) });
    expect(first!.offset).toBe(committed.length);

    const [tailBefore] = readReplicaLogs(cluster, TOPIC, 0, [oldLeader]);
    expect(tailBefore!.logEndOffset).toBe(committed.length + acknowledgedByOldLeader);
    expect(tailBefore!.records.slice(committed.length).map((r) => r.value)).toEqual(diverged.slice(0, acknowledgedByOldLeader));

    await cluster.kill(oldLeader);
    await cluster.heal(oldLeader);
    await cluster.start(oldLeader);
    const isr = await cluster.waitForIsr(TOPIC, 0, 3, 60_000).catch(async (e) => Promise.reject(await withClusterPicture(cluster!, e, TOPIC, 0)));
    expect(isr).toContain(oldLeader);

    const quiet = await waitForQuiet(cluster, TOPIC, 0, 3, 30_000);
    const hw = quiet.highWatermark!;
    expect(hw).toBe(committed.length + replacing.length);
    const logs = readReplicaLogs(cluster, TOPIC, 0, quiet.replicas);
    const expected = [...committed, ...replacing].map((value, offset) => ({ offset, value }));
    const who = (log: StoredLog) => `node ${log.node}${log.node === oldLeader ? ' (old leader)' : ''}${log.node === newLeader ? ' (new leader)' : ''}`;
    for (const log of logs) {
      expect(log.logEndOffset, `${who(log)} log end offset`).toBe(hw);
      expect(log.records, `${who(log)} records below the high watermark`).toEqual(expected);
    }
    const rejoined = logs.find((l) => l.node === oldLeader)!;
    expect(rejoined.records.filter((r) => r.value.startsWith('diverged-'))).toEqual([]);
  }, 150_000);
});
