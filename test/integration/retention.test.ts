// Retention on real node processes: a topic with a small retention.bytes and segment.bytes under
// steady load keeps its disk use bounded on every replica, its log start offset (ListOffsets
// earliest) moves forward, a consumer that keeps up still sees every record, and consumers whose
// position fell below the new log start are reset per their auto.offset.reset.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEADY_LEADERS } from '../../cluster/presets.js';
import { createClient, type BrokerlabClient } from '../../src/client/index.js';
import { startCluster, type LocalCluster } from '../../src/index.js';
import { segmentBytesOnDisk as segmentBytesOf } from '../support/log-files.js';

const TOPIC = 'retained';
const RETENTION_BYTES = 20_000;
const SEGMENT_BYTES = 5_000;
const CHECK_INTERVAL_MS = 500;
const ROUNDS = 250;
const PER_ROUND = 10;
/** The consumer that keeps up is never allowed further behind than this (well inside retention). */
const MAX_LAG_RECORDS = 40;

const cli = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const run = promisify(execFile);

const segmentBytesOnDisk = (dataDir: string, topic = TOPIC): number => segmentBytesOf(dataDir, topic);

/** The log start offset a replica last checkpointed (the last field of the file's last line). */
function checkpointedLogStart(dataDir: string): number {
  const lines = readFileSync(join(dataDir, 'logs', `${TOPIC}-0`, 'log-start-offset-checkpoint'), 'utf8').trim().split('\n');
  return Number(lines[lines.length - 1]!.trim().split(/\s+/).pop());
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('retention on a running cluster', () => {
  let cluster: LocalCluster;
  let client: BrokerlabClient;

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
      configs: { 'retention.bytes': String(RETENTION_BYTES), 'segment.bytes': String(SEGMENT_BYTES) },
      timeoutMs: 30_000,
    });
    await cluster.waitForIsr(TOPIC, 0, 3, 30_000);
    client = createClient({ bootstrapServers: cluster.bootstrapServers, requestTimeoutMs: 5_000 });
  }, 120_000);

  afterAll(async () => {
    await client?.close({ timeoutMs: 1_000 }).catch(() => undefined);
    await cluster?.stop();
  }, 60_000);

  it('bounds every replica, moves the log start, and a consumer that keeps up misses nothing', async () => {
    const producer = client.producer({ acks: 'all' });
    // auto.offset.reset none: had retention taken anything this consumer had not read, poll throws.
    const follower = client.consumer({ autoOffsetReset: 'none', maxWaitMs: 100 });
    follower.assign([{ topic: TOPIC, partition: 0, offset: 0 }]);
    const seen: string[] = [];
    let producing = true;
    const consuming = (async () => {
      while (producing || seen.length < ROUNDS * PER_ROUND) {
        for (const r of await follower.poll({ maxWaitMs: 100 })) seen.push(r.value!.toString());
      }
    })();

    const sent: string[] = [];
    const earliest: number[] = [];
    let peakBytes = 0;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const values = Array.from({ length: PER_ROUND }, (_, i) => `${String(round * PER_ROUND + i).padStart(6, '0')}-${'x'.repeat(90)}`);
        await producer.send({ topic: TOPIC, messages: values.map((value) => ({ value, partition: 0 })) });
        sent.push(...values);
        for (let waited = 0; sent.length - seen.length > MAX_LAG_RECORDS && waited < 10_000; waited += 10) await sleep(10);
        if (round % 25 === 0) {
          earliest.push((await client.admin().fetchTopicOffsets(TOPIC))[0]!.earliest);
          for (const node of cluster.nodes) peakBytes = Math.max(peakBytes, segmentBytesOnDisk(node.dataDir));
        }
      }
    } finally {
      producing = false;
    }
    await consuming;
    await follower.close();

    expect(seen).toEqual(sent);
    const totalBytes = sent.length * 100;
    expect(totalBytes).toBeGreaterThan(8 * RETENTION_BYTES);
    // Between two checks a replica holds whatever arrived since the last one, so the peak depends on
    // the produce rate and on how late a check runs on a busy machine; what must hold is that it
    // does not grow with the load (without retention it would reach every byte sent).
    expect(peakBytes, 'largest log on any replica during the load').toBeLessThan(Math.min(4 * RETENTION_BYTES, totalBytes / 3));

    // Once quiet, one check later every replica holds at most retention.bytes plus one segment.
    await sleep(3 * CHECK_INTERVAL_MS);
    for (const node of cluster.nodes) {
      const bytes = segmentBytesOnDisk(node.dataDir);
      expect(bytes, `node ${node.id} segment bytes`).toBeGreaterThanOrEqual(RETENTION_BYTES - SEGMENT_BYTES);
      expect(bytes, `node ${node.id} segment bytes`).toBeLessThanOrEqual(RETENTION_BYTES + SEGMENT_BYTES);
    }
    const [final] = await client.admin().fetchTopicOffsets(TOPIC);
    earliest.push(final!.earliest);
    expect(final!.latest).toBe(sent.length);
    expect(earliest[earliest.length - 1]!).toBeGreaterThan(earliest[0]!);
    for (let i = 1; i < earliest.length; i++) expect(earliest[i]!).toBeGreaterThanOrEqual(earliest[i - 1]!);
    // Every follower's log start follows the leader's (as each replica's checkpoint file records it).
    const deadline = Date.now() + 10_000;
    let starts = cluster.nodes.map((n) => checkpointedLogStart(n.dataDir));
    while (starts.some((o) => o !== final!.earliest) && Date.now() < deadline) {
      await sleep(100);
      starts = cluster.nodes.map((n) => checkpointedLogStart(n.dataDir));
    }
    expect(starts).toEqual([final!.earliest, final!.earliest, final!.earliest]);
  }, 180_000);

  it('resets a consumer positioned below the log start per auto.offset.reset', async () => {
    // The log start settles once the load has stopped and a check has run since.
    const logStart = async () => (await client.admin().fetchTopicOffsets(TOPIC))[0]!;
    let { earliest, latest } = await logStart();
    for (let i = 0; i < 20; i++) {
      await sleep(2 * CHECK_INTERVAL_MS);
      const now = await logStart();
      if (now.earliest === earliest) break;
      ({ earliest, latest } = now);
    }
    expect(earliest).toBeGreaterThan(0);

    const fromEarliest = client.consumer({ autoOffsetReset: 'earliest', maxWaitMs: 200 });
    fromEarliest.assign([{ topic: TOPIC, partition: 0, offset: 0 }]);
    let records = await fromEarliest.poll({ maxWaitMs: 2_000 });
    for (let i = 0; i < 20 && records.length === 0; i++) records = await fromEarliest.poll({ maxWaitMs: 500 });
    expect(records[0]?.offset).toBe(earliest);
    await fromEarliest.close();

    const fromLatest = client.consumer({ autoOffsetReset: 'latest', maxWaitMs: 200 });
    fromLatest.assign([{ topic: TOPIC, partition: 0, offset: 0 }]);
    await fromLatest.poll({ maxWaitMs: 1_000 });
    await client.producer({ acks: 'all' }).send({ topic: TOPIC, messages: [{ value: 'after-reset', partition: 0 }] });
    let next = await fromLatest.poll({ maxWaitMs: 2_000 });
    for (let i = 0; i < 20 && next.length === 0; i++) next = await fromLatest.poll({ maxWaitMs: 500 });
    expect(next.map((r) => [r.offset, r.value!.toString()])).toEqual([[latest, 'after-reset']]);
    await fromLatest.close();

    const strict = client.consumer({ autoOffsetReset: 'none', maxWaitMs: 200 });
    strict.assign([{ topic: TOPIC, partition: 0, offset: 0 }]);
    const failure = await (async () => {
      for (let i = 0; i < 20; i++) await strict.poll({ maxWaitMs: 500 });
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failure as { kafkaName?: string } | undefined)?.kafkaName).toBe('OFFSET_OUT_OF_RANGE');
    await strict.close();
  }, 60_000);

  it('brokerlab topics alter-configs changes retention.bytes of a running topic and brokers apply it', async () => {
    const topic = 'reconfigured';
    const brokerlab = (...args: string[]) => run(process.execPath, [cli, ...args], { env: { ...process.env, BROKERLAB_DIR: cluster.dir }, timeout: 60_000 });
    await cluster.createTopic(topic, { partitions: 1, replicationFactor: 3, configs: { 'segment.bytes': String(SEGMENT_BYTES) }, timeoutMs: 30_000 });
    await cluster.waitForIsr(topic, 0, 3, 30_000);
    const producer = client.producer({ acks: 'all' });
    for (let round = 0; round < 40; round++) {
      await producer.send({ topic, messages: Array.from({ length: PER_ROUND }, (_, i) => ({ value: `${round}-${i}-${'y'.repeat(90)}`, partition: 0 })) });
    }
    // No retention.bytes yet: a few checks later nothing has gone.
    await sleep(3 * CHECK_INTERVAL_MS);
    expect((await client.admin().fetchTopicOffsets(topic))[0]!.earliest).toBe(0);

    const altered = await brokerlab('topics', 'alter-configs', topic, '--config', `retention.bytes=${2 * SEGMENT_BYTES}`);
    expect(altered.stdout).toContain(`retention.bytes=${2 * SEGMENT_BYTES}`);
    const deadline = Date.now() + 15_000;
    let bytes = cluster.nodes.map((n) => segmentBytesOnDisk(n.dataDir, topic));
    while (bytes.some((b) => b > 3 * SEGMENT_BYTES) && Date.now() < deadline) {
      await sleep(200);
      bytes = cluster.nodes.map((n) => segmentBytesOnDisk(n.dataDir, topic));
    }
    for (const b of bytes) expect(b).toBeLessThanOrEqual(3 * SEGMENT_BYTES);
    expect((await client.admin().fetchTopicOffsets(topic))[0]!.earliest).toBeGreaterThan(0);

    const described = await brokerlab('topics', 'describe', topic);
    expect(described.stdout).toContain(`retention.bytes=${2 * SEGMENT_BYTES}`);
    // The leader's log: start offset moved by retention, end at every record, size and segments.
    const row = /^ {2}0\s+\d+\s+\d+\s+[\d,]+\s+[\d,]+\s+(\d+)\s+(\d+)\s+([\d.]+) (B|KiB)\s+(\d+)$/m.exec(described.stdout);
    expect(row, described.stdout).not.toBeNull();
    const [, logStart, logEnd, size, unit, segments] = row!;
    expect(Number(logStart)).toBeGreaterThan(0);
    expect(Number(logEnd)).toBe(40 * PER_ROUND);
    expect(Number(size) * (unit === 'KiB' ? 1024 : 1)).toBeLessThanOrEqual(3 * SEGMENT_BYTES + 1024);
    expect(Number(segments)).toBeGreaterThanOrEqual(2);
    expect(Number(segments)).toBeLessThanOrEqual(4);
    await expect(brokerlab('topics', 'alter-configs', topic, '--config', 'segment.bytes=3')).rejects.toThrow(/INVALID_CONFIG/);
  }, 90_000);
});
