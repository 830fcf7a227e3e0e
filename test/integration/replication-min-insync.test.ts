// min.insync.replicas on real node processes: with two of three replicas dead the ISR shrinks to
// the leader alone; acks=all is then refused with NOT_ENOUGH_REPLICAS and nothing is appended,
// while acks=1 is still acknowledged; once the brokers return the ISR grows back to all three.
// The controller runs on its own node so the metadata quorum survives the two broker deaths (in
// a 3-node combined cluster, killing two nodes would stop the quorum and no ISR could change).
import { afterEach, describe, expect, it } from 'vitest';
import { readUntilOffset, STEADY_LEADERS, waitForQuiet, withClusterPicture } from '../support/cluster-load.js';
import { BrokerError, createClient, type BrokerlabClient } from '../../src/client/index.js';
import { startCluster, type LocalCluster } from '../../src/index.js';

const TOPIC = 'min-insync';

/** The Kafka error behind a failed send: the producer reports an expired retry loop as REQUEST_TIMED_OUT caused by the last error. */
function kafkaErrorOf(e: unknown): string {
  if (!(e instanceof BrokerError)) return String(e);
  const cause = e.details['cause'];
  return e.kafkaName === 'REQUEST_TIMED_OUT' && cause instanceof BrokerError ? cause.kafkaName : e.kafkaName;
}

describe('replication: min.insync.replicas when two of three replicas die', () => {
  let cluster: LocalCluster | undefined;
  let client: BrokerlabClient | undefined;

  afterEach(async () => {
    await client?.close({ timeoutMs: 1_000 }).catch(() => undefined);
    await cluster?.stop();
    client = undefined;
    cluster = undefined;
  }, 120_000);

  it('refuses acks=all with NOT_ENOUGH_REPLICAS once the ISR is the leader alone, still takes acks=1, and regrows the ISR', async () => {
    cluster = await startCluster({ controllers: 1, brokers: 3, shutdownTimeoutMs: 3_000, readyTimeoutMs: 60_000, config: STEADY_LEADERS });
    const [created] = await cluster.createTopic(TOPIC, { partitions: 1, replicationFactor: 3, minInsync: 2, timeoutMs: 30_000 });
    await cluster.waitForIsr(TOPIC, 0, 3, 30_000);
    client = createClient({ bootstrapServers: cluster.bootstrapServers, requestTimeoutMs: 5_000 });
    const acksAll = client.producer({ acks: 'all', deliveryTimeoutMs: 3_000 });
    const acksOne = client.producer({ acks: 1, deliveryTimeoutMs: 10_000 });
    const send = (producer: typeof acksAll, value: string) => producer.send({ topic: TOPIC, messages: [{ value, partition: 0 }] });

    for (let i = 0; i < 10; i++) await send(acksAll, `all-before-${i}`);
    const leader = await cluster.leaderOf(TOPIC, 0);
    const followers = created!.replicas.filter((id) => id !== leader);
    expect(followers).toHaveLength(2);
    await Promise.all(followers.map((id) => cluster!.kill(id)));
    const isr = await cluster.waitForIsr(TOPIC, 0, 1, 30_000).catch(async (e) => Promise.reject(await withClusterPicture(cluster!, e, TOPIC, 0)));
    expect(isr).toEqual([leader]);
    expect(await cluster.leaderOf(TOPIC, 0)).toBe(leader);

    const leoBefore = (await waitForQuiet(cluster, TOPIC, 0, 1, 10_000)).highWatermark!;
    const refused = await send(acksAll, 'all-refused').then(
      () => 'acknowledged',
      (e: unknown) => kafkaErrorOf(e),
    );
    expect(refused).toBe('NOT_ENOUGH_REPLICAS');
    // Refused before the append: the leader's log did not grow.
    expect((await waitForQuiet(cluster, TOPIC, 0, 1, 10_000)).highWatermark).toBe(leoBefore);

    const [one] = await send(acksOne, 'one-while-alone');
    expect(one!.offset).toBe(leoBefore);

    await Promise.all(followers.map((id) => cluster!.start(id)));
    const regrown = await cluster.waitForIsr(TOPIC, 0, 3, 60_000).catch(async (e) => Promise.reject(await withClusterPicture(cluster!, e, TOPIC, 0)));
    expect([...regrown].sort()).toEqual([...created!.replicas].sort());

    // With the ISR whole again acks=all is accepted, and every replica holds the same log.
    const [after] = await send(acksAll, 'all-after');
    expect(after!.offset).toBe(leoBefore + 1);
    const quiet = await waitForQuiet(cluster, TOPIC, 0, 3, 30_000);
    expect(quiet.highWatermark).toBe(leoBefore + 2);
    const values = (await readUntilOffset(cluster.bootstrapServers, TOPIC, 0, quiet.highWatermark!)).map((r) => r.value);
    expect(values).toEqual([...Array.from({ length: 10 }, (_, i) => `all-before-${i}`), 'one-while-alone', 'all-after']);
  }, 150_000);
});
