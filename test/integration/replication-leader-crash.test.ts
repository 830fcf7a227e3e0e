// acks=all across a SIGKILL of the partition leader, on real node processes: producers keep
// sending unique values while the leader dies; writes resume on the new leader, and the history
// checker finds every acknowledged value in the final log, at the offset it was acknowledged at,
// in each producer's send order, with every replica identical below the high watermark.
import { afterEach, describe, expect, it } from 'vitest';
import { acknowledgedOffsetsBySender, finalPartition, readReplicaLog, SendLoad } from '../support/cluster-load.js';
import { checkHistory, describeReport } from '../../src/check/index.js';
import { startCluster, type LocalCluster } from '../../src/index.js';

const TOPIC = 'crash-acks-all';

describe('replication: SIGKILL of the leader during acks=all production', () => {
  let cluster: LocalCluster | undefined;
  let load: SendLoad | undefined;

  afterEach(async () => {
    await load?.stop().catch(() => undefined);
    await cluster?.stop();
    load = undefined;
    cluster = undefined;
  }, 120_000);

  it('loses no acknowledged write and keeps each producer in send order when the leader is killed mid-run', async () => {
    cluster = await startCluster({ nodes: 3, shutdownTimeoutMs: 3_000, readyTimeoutMs: 60_000 });
    await cluster.createTopic(TOPIC, { partitions: 1, replicationFactor: 3, minInsync: 2, timeoutMs: 30_000 });
    await cluster.waitForIsr(TOPIC, 0, 3, 30_000);

    load = new SendLoad({ bootstrapServers: cluster.bootstrapServers, topic: TOPIC, partition: 0, acks: 'all', senders: 4, valuesPerSend: 5 });
    load.start();
    await load.waitForMoreAcks(500, 30_000);

    const before = (await cluster.status()).partitions.find((p) => p.topic === TOPIC)!;
    const oldLeader = before.leader;
    await cluster.kill(oldLeader);
    const newLeader = await cluster.waitForLeader(TOPIC, 0, { not: oldLeader, timeoutMs: 30_000 });
    await load.waitForMoreAcks(500, 30_000);
    await load.stop();

    // The new leader's own log shows which offsets it wrote in its epoch.
    const newLeaderNode = cluster.nodes.find((n) => n.id === newLeader)!;
    const stored = readReplicaLog(newLeader, newLeaderNode.dataDir, TOPIC, 0);
    const newEpochStart = stored.batches.find((b) => b.leaderEpoch > before.leaderEpoch)?.baseOffset;
    expect(newEpochStart, 'the new leader appended batches in a later leader epoch').toBeDefined();
    const ackedOnNewLeader = load.acks.filter((a) => a.offset >= newEpochStart!).length;
    expect(ackedOnNewLeader, 'acknowledgements for writes on the new leader').toBeGreaterThan(0);

    // Bring the crashed leader back so all three replicas can be compared.
    await cluster.start(oldLeader);
    const final = await finalPartition(cluster, TOPIC, 0, 3, 60_000);
    const report = checkHistory({ topic: TOPIC, sends: load.sends, polls: [], final: [final] });
    expect(report.valid, describeReport(report)).toBe(true);
    expect(report.stats.acknowledgedValues).toBeGreaterThanOrEqual(1_000);

    for (const [sender, offsets] of acknowledgedOffsetsBySender(load.sends)) {
      const backwards = offsets.findIndex((o, i) => i > 0 && o <= offsets[i - 1]!);
      expect(backwards, `${sender}: acknowledged offsets out of send order at index ${backwards}`).toBe(-1);
    }
    console.log(
      `leader ${oldLeader} -> ${newLeader}; ${report.stats.acknowledgedValues} values acknowledged (${ackedOnNewLeader} sends on the new leader, ` +
        `epoch ${before.leaderEpoch} -> start offset ${newEpochStart}), ${report.stats.indeterminateSends} indeterminate sends, ` +
        `${report.duplicates.length} duplicates, high watermark ${final.highWatermark}`,
    );
  }, 150_000);
});
