/**
 * kafka-python 2.0.2 (Debian's python3-kafka, run by the system interpreter) against a real
 * 3-node cluster through the Kafka listener. The client side is python/kafka_python_driver.py;
 * this file starts it, follows its JSON lines and checks what it reports against the cluster
 * (and, for committed offsets, against kafkajs). Covered: metadata, KafkaAdminClient create and
 * delete, a KafkaProducer with acks='all' (kafka-python has no idempotent producer), plain
 * partition consumption (assign + seek), a consumer group with enable_auto_commit=False and
 * commit() after every poll, a rebalance when one member leaves, resume from the commits, and the
 * acceptance case: the partition leader is SIGKILLed while the producer runs, and nothing
 * acknowledged is lost.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startCluster, type LocalCluster } from '../../cluster/index.js';
import { committedOffsets, endOffsets, waitForListed, warmUpGroupCoordinators } from './support/kafkajs-admin.js';
import { LiveProcess, run, stopAll, waitUntil } from './support/process.js';
import { describeWithTool, kafkaPythonCheck, SYSTEM_PYTHON } from './support/tools.js';

const DRIVER = join(dirname(fileURLToPath(import.meta.url)), 'python', 'kafka_python_driver.py');

let cluster: LocalCluster;

type Event = { event: string } & Record<string, unknown>;
interface Record_ {
  partition: number;
  offset: number;
  key: string | null;
  value: string;
}

const driverEnv = (): NodeJS.ProcessEnv => ({ ...process.env, KAFKA_BROKERS: cluster.kafkaBrokers.join(','), PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' });

/** Runs one driver command to its end; returns its final {"event": "done"} object. */
async function driver(command: string, args: readonly string[] = [], timeoutMs = 60_000): Promise<Event> {
  const result = await run(SYSTEM_PYTHON, [DRIVER, command, ...args], { timeoutMs, env: driverEnv() });
  const last = events(result.stdout).at(-1);
  const report = `kafka_python_driver.py ${command} ${args.join(' ')}: exit ${result.code}${result.timedOut ? ' (timed out)' : ''}\n${result.stdout.slice(-2_000)}\n${result.stderr.slice(-3_000)}`;
  expect(last?.event, report).toBe('done');
  expect(result.code, report).toBe(0);
  return last!;
}

function spawnDriver(command: string, args: readonly string[]): LiveProcess {
  return new LiveProcess(SYSTEM_PYTHON, [DRIVER, command, ...args], driverEnv());
}

/** The complete JSON lines written so far. */
function events(stdout: string): Event[] {
  const complete = stdout.slice(0, stdout.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Event);
}

const recordsOf = (p: LiveProcess): Record_[] => events(p.stdout).filter((e) => e.event === 'record') as unknown as Record_[];

/** The partitions of a member's latest assignment; undefined before the first. */
function assignmentOf(p: LiveProcess): number[] | undefined {
  const last = events(p.stdout)
    .filter((e) => e.event === 'assigned' || e.event === 'revoked')
    .at(-1);
  if (!last) return undefined;
  return last.event === 'revoked' ? [] : (last['partitions'] as number[]);
}

describeWithTool('kafka-python 2.0.2 through the Kafka listener', kafkaPythonCheck(), () => {
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, config: { 'group.initial.rebalance.delay.ms': '0' } });
    await warmUpGroupCoordinators(cluster);
  }, 120_000);
  afterEach(async () => {
    await stopAll();
  });
  afterAll(async () => {
    await stopAll();
    await cluster?.stop();
  });

  it('bootstraps and sees the brokers and the controller (KafkaAdminClient.describe_cluster)', async () => {
    const metadata = await driver('metadata');
    expect(metadata['kafka_python']).toBe('2.0.2');
    expect(metadata['brokers']).toEqual([...cluster.kafkaBrokers].sort());
    expect(metadata['node_ids']).toContain(metadata['controller_id']);
  });

  it('creates and deletes a topic with KafkaAdminClient', async () => {
    const created = await driver('create-topic', ['--topic', 'kp-admin', '--partitions', '3', '--replication-factor', '3']);
    expect(created['errors']).toEqual([{ topic: 'kp-admin', error_code: 0 }]);
    expect(created['partitions']).toEqual([0, 1, 2]);
    await waitForListed(cluster.kafkaBrokers, 'kp-admin', true);
    // A second create is refused with TOPIC_ALREADY_EXISTS (36).
    expect((await driver('create-topic', ['--topic', 'kp-admin']))['errors']).toEqual([{ topic: 'kp-admin', error_code: 36 }]);

    const deleted = await driver('delete-topic', ['--topic', 'kp-admin']);
    expect(deleted['errors']).toEqual([{ topic: 'kp-admin', error_code: 0 }]);
    expect(deleted['topics']).not.toContain('kp-admin');
    await waitForListed(cluster.kafkaBrokers, 'kp-admin', false);
    // Deleting it again: UNKNOWN_TOPIC_OR_PARTITION (3).
    expect((await driver('delete-topic', ['--topic', 'kp-admin']))['errors']).toEqual([{ topic: 'kp-admin', error_code: 3 }]);
  });

  it("produces with acks='all' (plain and gzip) and reads the partition back in order, from the start and from an offset", async () => {
    await driver('create-topic', ['--topic', 'kp-plain', '--partitions', '2', '--config', 'min.insync.replicas=2']);
    await cluster.waitForTopic('kp-plain', 2, { timeoutMs: 30_000 });
    const producer = spawnDriver('produce', ['--topic', 'kp-plain', '--partition', '0', '--count', '300', '--key', 'k%d']);
    expect((await producer.exited(60_000)).code, producer.tail()).toBe(0);
    const acks = events(producer.stdout).filter((e) => e.event === 'ack');
    expect(acks.map((a) => a['offset'])).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(events(producer.stdout).at(-1)).toEqual({ event: 'done', acked: 300, failed: 0 });
    expect((await driver('produce', ['--topic', 'kp-plain', '--partition', '0', '--count', '50', '--start', '300', '--compression', 'gzip']))['acked']).toBe(50);

    const all = (await driver('consume', ['--topic', 'kp-plain', '--partition', '0']))['records'] as Record_[];
    expect(all.map((r) => r.value)).toEqual(Array.from({ length: 350 }, (_, i) => `v${i}`));
    expect(all.map((r) => r.offset)).toEqual(Array.from({ length: 350 }, (_, i) => i));
    expect(all.slice(0, 300).map((r) => r.key)).toEqual(Array.from({ length: 300 }, (_, i) => `k${i}`));
    const some = (await driver('consume', ['--topic', 'kp-plain', '--partition', '0', '--offset', '123', '--count', '3']))['records'] as Record_[];
    expect(some.map((r) => r.value)).toEqual(['v123', 'v124', 'v125']);
    expect((await driver('consume', ['--topic', 'kp-plain', '--partition', '1']))['records']).toEqual([]);
  });

  it('shares a topic across a group with manual commits, rebalances when a member leaves, and resumes from the commits', async () => {
    const topic = 'kp-grouped';
    await driver('create-topic', ['--topic', topic, '--partitions', '4']);
    await cluster.waitForTopic(topic, 4, { timeoutMs: 30_000 });
    const member = (extra: readonly string[] = []): LiveProcess => spawnDriver('member', ['--topic', topic, '--group', 'kp-billing', ...extra]);

    const a = member();
    await a.waitFor(() => assignmentOf(a)?.length === 4, 30_000, 'member A to be assigned all 4 partitions');
    const b = member();
    await waitUntil(
      () => {
        const pa = assignmentOf(a) ?? [];
        const pb = assignmentOf(b) ?? [];
        return pa.length > 0 && pb.length > 0 && new Set([...pa, ...pb]).size === 4 && pa.length + pb.length === 4;
      },
      40_000,
      () => `A and B to share the 4 partitions: A ${JSON.stringify(assignmentOf(a))}, B ${JSON.stringify(assignmentOf(b))}\nA:\n${a.tail(1_000)}\nB:\n${b.tail(1_000)}`,
    );
    const shared = { a: assignmentOf(a)!, b: assignmentOf(b)! };

    expect((await driver('produce', ['--topic', topic, '--count', '100', '--prefix', 'a', '--key', 'user-%d']))['acked']).toBe(100);
    const seen = (): string[] => [...recordsOf(a), ...recordsOf(b)].map((r) => r.value);
    await waitUntil(() => new Set(seen()).size >= 100, 30_000, () => `the group consumed ${new Set(seen()).size} of 100`);
    for (const r of recordsOf(a)) expect(shared.a).toContain(r.partition);
    for (const r of recordsOf(b)) expect(shared.b).toContain(r.partition);
    expect(recordsOf(b).length, 'B consumed something before leaving').toBeGreaterThan(0);

    // B leaves (close() sends LeaveGroup); A takes over B's partitions from B's commits.
    b.write('stop\n');
    expect((await b.exited(30_000)).code, b.tail()).toBe(0);
    expect(events(b.stdout).at(-1)?.event).toBe('done');
    await a.waitFor(() => assignmentOf(a)?.length === 4, 30_000, 'member A to take over all 4 partitions');
    expect((await driver('produce', ['--topic', topic, '--count', '40', '--prefix', 'b', '--key', 'user-%d']))['acked']).toBe(40);
    await waitUntil(() => new Set(seen()).size >= 140, 30_000, () => `after the rebalance the group consumed ${new Set(seen()).size} of 140`);
    a.write('stop\n');
    expect((await a.exited(30_000)).code, a.tail()).toBe(0);
    const all = seen();
    expect(duplicates(all), 'values read twice').toEqual([]);
    expect(all).toHaveLength(140);

    // The commits are exactly what was read, as kafka-python's admin and kafkajs both see them.
    const ends = await endOffsets(cluster.kafkaBrokers, topic);
    expect([...ends.values()].reduce((s, n) => s + n, 0)).toBe(140);
    expect(await committedOffsets(cluster.kafkaBrokers, 'kp-billing', topic)).toEqual(ends);
    const listed = (await driver('group-offsets', ['--group', 'kp-billing']))['offsets'];
    expect(listed).toEqual(Object.fromEntries([...ends].map(([p, end]) => [`${topic}:${p}`, end])));

    // A new member resumes from the commits: it reads only what came after them.
    expect((await driver('produce', ['--topic', topic, '--count', '10', '--prefix', 'c', '--key', 'user-%d']))['acked']).toBe(10);
    const c = member(['--exit-at-end', '--max-runtime-s', '45']);
    expect((await c.exited(60_000)).code, c.tail()).toBe(0);
    expect(recordsOf(c).map((r) => r.value).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`).sort());
  }, 180_000);

  it('survives a SIGKILL of its partition leader while producing, with nothing acknowledged lost', async () => {
    const topic = 'kp-orders';
    await driver('create-topic', ['--topic', topic, '--partitions', '1', '--config', 'min.insync.replicas=2']);
    await cluster.waitForTopic(topic, 1, { timeoutMs: 30_000 });
    const leader = await cluster.leaderOf(topic, 0);
    expect(leader).toBeGreaterThan(0);
    const producer = spawnDriver('produce', ['--topic', topic, '--partition', '0', '--count', '200', '--prefix', 'order-', '--interval-ms', '10', '--retries', '30']);
    let killed = false;
    try {
      await producer.waitFor(() => events(producer.stdout).filter((e) => e.event === 'ack').length >= 50, 30_000, '50 acknowledged messages');
      await cluster.kill(leader);
      killed = true;
      expect((await producer.exited(120_000)).code, producer.tail()).toBe(0);
      const acknowledged = events(producer.stdout)
        .filter((e) => e.event === 'ack')
        .map((e) => e['value'] as string);
      const failures = events(producer.stdout).filter((e) => e.event === 'error');
      expect(failures, 'sends that failed after their retries').toEqual([]);
      expect(acknowledged).toHaveLength(200);

      expect(await cluster.waitForLeader(topic, 0, { not: leader, timeoutMs: 30_000 })).not.toBe(leader);
      const read = ((await driver('consume', ['--topic', topic, '--partition', '0']))['records'] as Record_[]).map((r) => r.value);
      // Every acknowledged message is there, in the order acknowledged. Without idempotence a
      // retried request may have been written twice; a duplicate is allowed, a loss is not.
      const firsts = read.filter((v, i) => read.indexOf(v) === i);
      expect(firsts).toEqual(acknowledged);
    } finally {
      await producer.stop();
      if (killed) await cluster.start(leader);
    }
  }, 180_000);
});

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
}
