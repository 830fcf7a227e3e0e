// DeleteRecords on real node processes: 100 records per partition, records before 40 deleted
// through kafkajs's admin.deleteTopicRecords (Kafka protocol) on one partition and through
// `brokerlab topics delete-records` (native client) on another; then ListOffsets earliest is 40,
// a consumer from the earliest offset starts at 40, every follower's log start is 40 too (the
// answer waits for them), and an offset above the high watermark is OFFSET_OUT_OF_RANGE.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin as KafkaAdmin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEADY_LEADERS } from '../../cluster/presets.js';
import { createClient, type BrokerlabClient } from '../../src/client/index.js';
import { startCluster, type LocalCluster } from '../../src/index.js';

const TOPIC = 'trimmed';
const RECORDS = 100;
const BEFORE = 40;

const cli = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const run = promisify(execFile);

describe('DeleteRecords on a running cluster', () => {
  let cluster: LocalCluster;
  let client: BrokerlabClient;
  let admin: KafkaAdmin;
  const brokerlab = (...args: string[]) => run(process.execPath, [cli, ...args], { env: { ...process.env, BROKERLAB_DIR: cluster.dir }, timeout: 60_000 });

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, shutdownTimeoutMs: 3_000, readyTimeoutMs: 60_000, config: { ...STEADY_LEADERS } });
    await cluster.createTopic(TOPIC, { partitions: 2, replicationFactor: 3, timeoutMs: 30_000 });
    for (const p of [0, 1]) await cluster.waitForIsr(TOPIC, p, 3, 30_000);
    client = createClient({ bootstrapServers: cluster.bootstrapServers, requestTimeoutMs: 10_000 });
    const producer = client.producer({ acks: 'all' });
    for (const partition of [0, 1]) {
      await producer.send({ topic: TOPIC, messages: Array.from({ length: RECORDS }, (_, i) => ({ value: `${partition}-${i}`, partition })) });
    }
    admin = new Kafka({ brokers: cluster.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    // kafkajs's deleteTopicRecords looks leaders up in metadata it must already hold for the topic.
    await admin.fetchTopicMetadata({ topics: [TOPIC] });
  }, 120_000);

  afterAll(async () => {
    await admin?.disconnect().catch(() => undefined);
    await client?.close({ timeoutMs: 1_000 }).catch(() => undefined);
    await cluster?.stop();
  }, 60_000);

  it('deletes records below 40 through kafkajs and the CLI; earliest, consumers and followers follow', async () => {
    await admin.deleteTopicRecords({ topic: TOPIC, partitions: [{ partition: 0, offset: String(BEFORE) }] });
    const { stdout } = await brokerlab('topics', 'delete-records', TOPIC, '--partition', '1', '--before', String(BEFORE));
    expect(stdout).toContain(`low watermark ${BEFORE}`);

    const offsets = (await admin.fetchTopicOffsets(TOPIC)).sort((a, b) => a.partition - b.partition);
    expect(offsets.map((o) => [o.partition, o.low, o.high])).toEqual([
      [0, String(BEFORE), String(RECORDS)],
      [1, String(BEFORE), String(RECORDS)],
    ]);

    // Both answers waited for every live replica's log start, so each follower already shows 40.
    const logs = await client.admin().describeLogDirs([TOPIC]);
    expect(logs).toHaveLength(6);
    for (const log of logs) expect([log.brokerId, log.partition, log.logStartOffset]).toEqual([log.brokerId, log.partition, BEFORE]);

    for (const partition of [0, 1]) {
      const consumer = client.consumer({ autoOffsetReset: 'earliest', maxWaitMs: 200 });
      consumer.assign([{ topic: TOPIC, partition, offset: 0 }]);
      let records = await consumer.poll({ maxWaitMs: 2_000 });
      for (let i = 0; i < 20 && records.length === 0; i++) records = await consumer.poll({ maxWaitMs: 500 });
      expect(records[0]?.offset).toBe(BEFORE);
      expect(records[0]?.value?.toString()).toBe(`${partition}-${BEFORE}`);
      await consumer.close();
    }

    const { stdout: described } = await brokerlab('topics', 'describe', TOPIC);
    expect(described).toMatch(new RegExp(`\\n\\s+0\\s+\\d+\\s+\\d+\\s+\\S+\\s+\\S+\\s+${BEFORE}\\s+${RECORDS}\\s`));
  }, 120_000);

  it('answers OFFSET_OUT_OF_RANGE above the high watermark, through kafkajs and the CLI', async () => {
    type PartitionsError = { partitions?: { error: { type: string } }[] };
    // kafkajs's retrier wraps the non-retriable KafkaJSDeleteTopicRecordsError; `cause` is the original.
    const error = await admin.deleteTopicRecords({ topic: TOPIC, partitions: [{ partition: 0, offset: String(RECORDS + 1) }] }).then(
      () => undefined,
      (e: PartitionsError & { cause?: PartitionsError }) => e.cause ?? e,
    );
    expect(error?.partitions?.[0]?.error.type).toBe('OFFSET_OUT_OF_RANGE');

    const cliError = await brokerlab('topics', 'delete-records', TOPIC, '--partition', '1', '--before', String(RECORDS + 1)).then(
      () => undefined,
      (e: { code?: number; stderr?: string }) => e,
    );
    expect(cliError?.code).not.toBe(0);
    expect(cliError?.stderr).toContain('OFFSET_OUT_OF_RANGE');
    expect((await admin.fetchTopicOffsets(TOPIC)).map((o) => o.low)).toEqual([String(BEFORE), String(BEFORE)]);
  }, 60_000);
});
