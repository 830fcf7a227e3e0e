// topics, produce and consume end to end against in-process stand-in brokers (the client tests'
// FakeCluster), reached with --bootstrap-server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCluster } from '../client/fake-cluster.js';
import { cliBuilt, runCli } from './run-cli.js';

let brokers: FakeCluster;
let bootstrap: string;

beforeAll(async () => {
  brokers = await FakeCluster.start(3);
  bootstrap = brokers.bootstrapServers.join(',');
});
afterAll(() => brokers?.stop());

const cli = (args: string[], input?: string) => runCli([...args, '--bootstrap-server', bootstrap, '--timeout', '3000'], input === undefined ? {} : { input });

describe.skipIf(!cliBuilt)('brokerlab topics, produce and consume (needs npm run build)', () => {
  it('creates, lists, describes and deletes topics', async () => {
    const create = await cli(['topics', 'create', 'orders', '--partitions', '3', '--replication-factor', '3', '--min-insync', '2']);
    expect(create.code, create.stderr).toBe(0);
    expect(create.stdout).toMatch(/created topic orders: 3 partition\(s\), replication factor 3, min\.insync\.replicas=2/);
    expect(brokers.topics.get('orders')?.configs).toMatchObject({ 'min.insync.replicas': '2' });

    expect((await cli(['topics', 'list'])).stdout).toBe('orders\n');
    const describe = await cli(['topics', 'describe', 'orders']);
    expect(describe.stdout).toMatch(/^orders {2}\(id .*, 3 partitions/);
    expect(describe.stdout).toMatch(/^ {2}PARTITION\s+LEADER\s+EPOCH\s+REPLICAS\s+ISR\s+LOG-START\s+LOG-END\s+SIZE\s+SEGMENTS$/m);

    const unknown = await cli(['topics', 'describe', 'nope']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/^brokerlab: UNKNOWN_TOPIC_OR_PARTITION: topic nope\n$/);

    expect((await cli(['topics', 'delete', 'orders'])).stdout).toBe('deleted orders\n');
    expect(brokers.topics.has('orders')).toBe(false);
  });

  it('produces generated records with keys, reports a summary, and consumes them all back', async () => {
    brokers.addTopic('events', 2, [1, 2]);
    const produce = await cli(['produce', 'events', '--count', '200', '--key', 'user-{i%10}', '--size', '32', '--acks', 'all']);
    expect(produce.code, produce.stderr).toBe(0);
    expect(produce.stdout).toMatch(/^acked 200 of 200 records \(acks=all\) in \d+ ms: \d+ records\/s$/m);
    expect(produce.stdout).toMatch(/^ack latency p50 [\d.]+ ms, p99 [\d.]+ ms$/m);
    // Piped: no progress line.
    expect(produce.stderr).toBe('');
    const stored = brokers.topics.get('events')!.partitions.reduce((n, p) => n + p.nextOffset, 0);
    expect(stored).toBe(200);

    const consume = await cli(['consume', 'events', '--from-beginning', '--max', '200', '--json']);
    expect(consume.code, consume.stderr).toBe(0);
    const records = consume.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; value: string; partition: number });
    expect(records).toHaveLength(200);
    expect(new Set(records.map((r) => r.key)).size).toBe(10);
    expect(records.every((r) => r.value.length === 32)).toBe(true);
    expect(consume.stderr).toBe('200 record(s)\n');
  });

  it('produces stdin lines and consumes one partition until idle', async () => {
    brokers.addTopic('lines', 1);
    const produce = await cli(['produce', 'lines', '--acks', '1'], 'first\nsecond\nthird\n');
    expect(produce.stdout).toMatch(/^acked 3 of 3 records \(acks=1\)/);
    const consume = await cli(['consume', 'lines', '--from-beginning', '--partition', '0', '--idle-ms', '600']);
    expect(consume.stdout).toBe('lines-0@0 first\nlines-0@1 second\nlines-0@2 third\n');
  });

  it('refuses an unknown topic or partition clearly', async () => {
    const produce = await cli(['produce', 'missing', '--count', '1']);
    expect(produce.code).not.toBe(0);
    expect(produce.stderr).toMatch(/^brokerlab: UNKNOWN_TOPIC_OR_PARTITION: topic missing\n$/);
    brokers.addTopic('small', 1);
    const consume = await cli(['consume', 'small', '--partition', '5']);
    expect(consume.code).toBe(2);
    expect(consume.stderr).toBe('brokerlab: topic small has no partition 5 (it has 1)\n');
  });
});
