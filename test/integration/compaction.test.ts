// Log compaction on real node processes: a cleanup.policy=compact topic under keyed updates keeps
// only the latest value of each key on every replica, deleted keys (tombstones) disappear after
// delete.retention.ms, offsets never change, and after the leader is killed the new leader goes
// on compacting with the same result: a consumer reading from the start sees each key's last value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEADY_LEADERS } from '../../cluster/presets.js';
import { createClient, type BrokerlabClient } from '../../src/client/index.js';
import { startCluster, type LocalCluster } from '../../src/index.js';
import { segmentBytesOnDisk as segmentBytesOf } from '../support/log-files.js';

const TOPIC = 'profiles';
const KEYS = 20;
const SEGMENT_BYTES = 4_000;
const CHECK_INTERVAL_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const segmentBytesOnDisk = (dataDir: string): number => segmentBytesOf(dataDir, TOPIC);

describe('log compaction on a running cluster', () => {
  let cluster: LocalCluster;
  let client: BrokerlabClient;
  /** What each key's last write was (null: deleted). */
  const latest = new Map<string, string | null>();
  const offsetOf = new Map<string, number>();

  beforeAll(async () => {
    cluster = await startCluster({
      nodes: 3,
      shutdownTimeoutMs: 3_000,
      readyTimeoutMs: 60_000,
      config: { ...STEADY_LEADERS, 'log.retention.check.interval.ms': CHECK_INTERVAL_MS },
    });
    await cluster.createTopic(TOPIC, {
      partitions: 1,
      replicationFactor: 3,
      configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(SEGMENT_BYTES), 'min.cleanable.dirty.ratio': '0.1', 'delete.retention.ms': '1000' },
      timeoutMs: 30_000,
    });
    await cluster.waitForIsr(TOPIC, 0, 3, 30_000);
    client = createClient({ bootstrapServers: cluster.bootstrapServers, requestTimeoutMs: 5_000 });
  }, 120_000);

  afterAll(async () => {
    await client?.close({ timeoutMs: 1_000 }).catch(() => undefined);
    await cluster?.stop();
  }, 60_000);

  /** Writes every key (but `skip`) `rounds` times; in the last round the `deleteKeys` get tombstones. */
  async function update(rounds: number, tag: string, deleteKeys: readonly string[] = [], skip: readonly string[] = []): Promise<void> {
    const producer = client.producer({ acks: 'all' });
    for (let round = 0; round < rounds; round++) {
      const keys = Array.from({ length: KEYS }, (_, k) => `user-${k}`).filter((key) => !skip.includes(key));
      const messages = keys.map((key) => {
        const value = deleteKeys.includes(key) && round === rounds - 1 ? null : `${tag}-${round}-${'p'.repeat(60)}`;
        return { key, value, partition: 0 };
      });
      const acks = await producer.send({ topic: TOPIC, messages });
      messages.forEach((m, i) => {
        latest.set(m.key, m.value);
        offsetOf.set(m.key, acks[i]!.offset);
      });
    }
  }

  /** Every record from the log start: [offset, key, value]. */
  async function readAll(): Promise<[number, string, string | null][]> {
    const end = (await client.admin().fetchTopicOffsets(TOPIC))[0]!.latest;
    const consumer = client.consumer({ autoOffsetReset: 'earliest', maxWaitMs: 100 });
    consumer.assign([{ topic: TOPIC, partition: 0, offset: 0 }]);
    const records: [number, string, string | null][] = [];
    try {
      for (let i = 0; i < 200 && (records.at(-1)?.[0] ?? -1) < end - 1; i++) {
        for (const r of await consumer.poll({ maxWaitMs: 200 })) records.push([r.offset, r.key!.toString(), r.value?.toString() ?? null]);
      }
    } finally {
      await consumer.close();
    }
    return records;
  }

  /** Waits until reading from the start yields at most `bound` records; returns them. */
  async function compactedTo(bound: number, timeoutMs = 30_000): Promise<[number, string, string | null][]> {
    const deadline = Date.now() + timeoutMs;
    let records = await readAll();
    while (records.length > bound && Date.now() < deadline) {
      await sleep(CHECK_INTERVAL_MS);
      records = await readAll();
    }
    return records;
  }

  function expectLatestPerKey(records: readonly [number, string, string | null][]): void {
    const seen = new Map<string, [number, string | null]>();
    for (const [offset, key, value] of records) seen.set(key, [offset, value]);
    for (const [key, value] of latest) {
      if (value === null) expect(seen.get(key)?.[1] ?? null, key).toBeNull();
      else expect(seen.get(key), key).toEqual([offsetOf.get(key), value]);
    }
    const offsets = records.map((r) => r[0]);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  }

  it('keeps the latest value of each key, drops deleted keys, and bounds every replica', async () => {
    await update(60, 'first', ['user-3', 'user-7']);
    const sent = 60 * KEYS;
    // The active segment is never cleaned: what stays is at most one segment plus the latest per key.
    const records = await compactedTo(sent / 4);
    expect(records.length).toBeLessThanOrEqual(sent / 4);
    expectLatestPerKey(records);
    // Each broker cleans its own replica on its own schedule: the followers may be a pass behind.
    const diskBound = (sent * 100) / 3;
    const cleanedBy = Date.now() + 30_000;
    while (cluster.nodes.some((node) => segmentBytesOnDisk(node.dataDir) >= diskBound) && Date.now() < cleanedBy) await sleep(CHECK_INTERVAL_MS);
    for (const node of cluster.nodes) expect(segmentBytesOnDisk(node.dataDir), `node ${node.id}`).toBeLessThan(diskBound);
    // Tombstones go once delete.retention.ms has passed behind the clean part: more updates move it.
    expect(records.filter(([, key]) => key === 'user-3').at(-1)?.[2]).toBeNull();
    await sleep(1_000);
    await update(60, 'more', [], ['user-3', 'user-7']);
    const deadline = Date.now() + 30_000;
    let later = await readAll();
    while (later.some(([, key]) => key === 'user-3' || key === 'user-7') && Date.now() < deadline) {
      await sleep(CHECK_INTERVAL_MS);
      later = await readAll();
    }
    expect(later.filter(([, key]) => key === 'user-3' || key === 'user-7')).toEqual([]);
    expectLatestPerKey(later);
  }, 180_000);

  it('goes on compacting on the new leader after the leader is killed, losing no latest value', async () => {
    const leader = await cluster.leaderOf(TOPIC, 0);
    await cluster.kill(leader);
    await cluster.waitForLeader(TOPIC, 0, { not: leader, timeoutMs: 30_000 });
    await update(40, 'after-failover');
    const records = await compactedTo(10 * KEYS);
    expect(records.length).toBeLessThanOrEqual(10 * KEYS);
    expectLatestPerKey(records);
    await cluster.start(leader);
    await cluster.waitForIsr(TOPIC, 0, 3, 60_000);
    // The returned replica truncates, catches up from the compacted leader (gaps and all), and cleans its own copy.
    const deadline = Date.now() + 30_000;
    while (segmentBytesOnDisk(cluster.nodes.find((n) => n.id === leader)!.dataDir) > 20 * SEGMENT_BYTES && Date.now() < deadline) await sleep(500);
    expect(segmentBytesOnDisk(cluster.nodes.find((n) => n.id === leader)!.dataDir)).toBeLessThanOrEqual(20 * SEGMENT_BYTES);
  }, 180_000);
});
