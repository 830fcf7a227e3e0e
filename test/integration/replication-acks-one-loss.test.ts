// acks=1 loses acknowledged data on failover, observably and deterministically, on real node
// processes. Both followers are paused (SIGSTOP) so they copy nothing; the controller, on its own
// node, shrinks the ISR to the leader alone (min.insync.replicas=1 lets writes continue); the
// leader acknowledges acks=1 writes, then is SIGKILLed and the followers resume. What Kafka does
// next depends on unclean.leader.election.enable, and one leader serves a partition of each kind:
// - enabled: a follower outside the ISR is elected; when the old leader returns it truncates to
//   the new leader's log, and every acks=1 write acknowledged during the pause is gone;
// - disabled (Kafka's default): the partition stays offline while its last ISR member is down,
//   and when that leader returns it leads again with every acknowledged write.
import { afterEach, describe, expect, it } from 'vitest';
import { readUntilOffset, STEADY_LEADERS, waitForQuiet, withClusterPicture } from '../support/cluster-load.js';
import { checkHistory, type SendOp } from '../../src/check/index.js';
import { createClient, type BrokerlabClient } from '../../src/client/index.js';
import { startCluster, type LocalCluster } from '../../src/index.js';

const UNCLEAN = 'acks-one-unclean';
const CLEAN = 'acks-one-clean';
const values = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

describe('replication: acks=1 data loss on failover', () => {
  let cluster: LocalCluster | undefined;
  let client: BrokerlabClient | undefined;

  afterEach(async () => {
    await client?.close({ timeoutMs: 1_000 }).catch(() => undefined);
    await cluster?.stop();
    client = undefined;
    cluster = undefined;
  }, 120_000);

  it('loses acknowledged acks=1 writes when unclean election picks a follower, and keeps them when the partition waits for its last ISR member', async () => {
    cluster = await startCluster({ controllers: 1, brokers: 3, shutdownTimeoutMs: 3_000, readyTimeoutMs: 60_000, config: STEADY_LEADERS });
    const c = cluster;
    const topic = { partitions: 3, replicationFactor: 3, minInsync: 1, timeoutMs: 30_000 };
    await c.createTopic(UNCLEAN, { ...topic, configs: { 'unclean.leader.election.enable': 'true' } });
    await c.createTopic(CLEAN, topic);
    // Leaders rotate over the brokers, so a broker that leads a partition of one topic also leads
    // one of the other; the scenario follows one such broker and its two partitions.
    const status = await c.status();
    const ledBy = (topicName: string, broker: number) => status.partitions.find((p) => p.topic === topicName && p.leader === broker);
    const leader = [2, 3, 4].find((b) => ledBy(UNCLEAN, b) && ledBy(CLEAN, b));
    expect(leader, `a broker leading a partition of each topic: ${JSON.stringify(status.partitions.map((p) => [p.topic, p.partition, p.leader]))}`).toBeDefined();
    const targets = [UNCLEAN, CLEAN].map((name) => ({ topic: name, partition: ledBy(name, leader!)!.partition }));
    const followers = ledBy(UNCLEAN, leader!)!.replicas.filter((id) => id !== leader);
    const withPicture = (t: { topic: string; partition: number }) => async (e: unknown) => Promise.reject(await withClusterPicture(c, e, t.topic, t.partition));
    for (const t of targets) await c.waitForIsr(t.topic, t.partition, 3, 30_000);

    client = createClient({ bootstrapServers: c.bootstrapServers, requestTimeoutMs: 5_000 });
    const sends: SendOp[] = [];
    const send = async (acks: 1 | 'all', t: { topic: string; partition: number }, batch: string[]): Promise<void> => {
      const invokeMs = performance.now();
      const [first] = await client!.producer({ acks }).send({ topic: t.topic, messages: batch.map((value) => ({ value, partition: t.partition })) });
      sends.push({ process: t.topic, partition: t.partition, values: batch, acks: acks === 'all' ? -1 : 1, invokeMs, completeMs: performance.now(), outcome: 'ok', offset: first!.offset });
    };
    for (const t of targets) await send('all', t, values(`${t.topic}-replicated`, 10));

    await Promise.all(followers.map((id) => c.pause(id)));
    for (const t of targets) expect(await c.waitForIsr(t.topic, t.partition, 1, 30_000).catch(withPicture(t))).toEqual([leader]);
    for (const t of targets) await send(1, t, values(`${t.topic}-leader-only`, 10));

    await c.kill(leader!);
    await Promise.all(followers.map((id) => c.resume(id)));

    // Unclean election: a follower outside the ISR leads, without the leader-only writes.
    const newLeader = await c.waitForLeader(UNCLEAN, targets[0]!.partition, { not: leader, timeoutMs: 30_000 }).catch(withPicture(targets[0]!));
    expect(followers).toContain(newLeader);
    const afterElection = (await c.status()).partitions.find((p) => p.topic === UNCLEAN && p.partition === targets[0]!.partition)!;
    expect(afterElection.isr, 'the ISR after an unclean election starts again from the new leader').not.toContain(leader);
    // Clean only: nobody may lead while the last ISR member is down, even with both followers back.
    await c.waitFor((s) => followers.every((id) => s.nodes.find((n) => n.id === id)?.broker?.fenced === false), 'the followers to be unfenced', { timeoutMs: 30_000 });
    for (let i = 0; i < 10; i++) {
      expect(await c.leaderOf(CLEAN, targets[1]!.partition), 'a leader for the partition whose only ISR member is down').toBe(-1);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    await c.start(leader!);
    expect(await c.waitForLeader(CLEAN, targets[1]!.partition, { timeoutMs: 30_000 })).toBe(leader);
    const lost = new Map<string, number>();
    for (const t of targets) {
      const quiet = await c.waitForIsr(t.topic, t.partition, 3, 60_000).then(() => waitForQuiet(c, t.topic, t.partition, 3, 30_000)).catch(withPicture(t));
      const records = await readUntilOffset(c.bootstrapServers, t.topic, t.partition, quiet.highWatermark!);
      const report = checkHistory({
        topic: t.topic,
        sends: sends.filter((s) => s.process === t.topic),
        polls: [],
        final: [{ partition: t.partition, leader: quiet.leader, highWatermark: quiet.highWatermark!, logStartOffset: 0, records, replicas: [] }],
      });
      expect(report.lostWrites.filter((w) => w.acks === -1), `${t.topic}: acks=all writes lost`).toEqual([]);
      lost.set(t.topic, report.lostWrites.length);
      console.log(`${t.topic}-${t.partition}: ${report.stats.acknowledgedValues} acknowledged, ${report.lostWrites.length} lost (${report.lostWrites.slice(0, 3).map((w) => `${w.value}@${w.acknowledgedOffset}`).join(', ')}${report.lostWrites.length > 3 ? ', ...' : ''})`);
    }
    expect(lost.get(UNCLEAN), 'acks=1 writes lost after the unclean election').toBe(10);
    expect(lost.get(CLEAN), 'writes lost where unclean election is off').toBe(0);
  }, 180_000);
});
