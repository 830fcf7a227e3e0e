/**
 * kcat (librdkafka 2.0.2) against a real 3-node cluster through the Kafka listener. kcat has no
 * admin commands, so topics come from auto-creation (a producer's Metadata request) or from
 * kafkajs's admin, which also reads the committed offsets back. Covered: metadata listing, an
 * idempotent acks=all producer (uncompressed and with each codec), plain partition consumption,
 * a balanced consumer group (kcat -G) whose members commit what they consumed, rebalance when one
 * leaves and resume from the commits, and the acceptance case: the partition leader is SIGKILLed
 * while kcat produces, and nothing acknowledged is lost.
 *
 * Commits: kcat cannot commit by hand. With -G, librdkafka stores each message's offset as kcat
 * hands it out and commits the stored offsets every auto.commit.interval.ms and once more,
 * synchronously, when the consumer closes (SIGTERM or -e); a member that stores no offsets
 * commits nothing. Both are checked through kafkajs's fetchOffsets.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startCluster, type LocalCluster } from '../../cluster/index.js';
import { STEADY_LEADERS } from '../../cluster/presets.js';
import { committedOffsets, createTopic, endOffsets, waitForListed, warmUpGroupCoordinators, withAdmin } from './support/kafkajs-admin.js';
import { LiveProcess, run, sleep, stopAll, waitUntil, type RunResult } from './support/process.js';
import { describeWithTool, KCAT, kcatCheck } from './support/tools.js';

let cluster: LocalCluster;

/** Short timeouts so a failure shows within a test's time, not librdkafka's minutes. */
const TIMEOUTS = ['-X', 'socket.timeout.ms=10000', '-X', 'reconnect.backoff.max.ms=1000', '-X', 'topic.metadata.refresh.interval.ms=2000', '-X', 'metadata.max.age.ms=6000', '-m', '15'];
const IDEMPOTENT_ACKS_ALL = ['-X', 'enable.idempotence=true', '-X', 'acks=all', '-X', 'message.timeout.ms=60000', '-X', 'request.timeout.ms=10000'];
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;

const brokers = (): string => cluster.kafkaBrokers.join(',');

function kcat(args: readonly string[], input?: string, timeoutMs = 60_000): Promise<RunResult> {
  return run(KCAT, ['-b', brokers(), ...TIMEOUTS, ...args], { timeoutMs, ...(input !== undefined ? { input } : {}) });
}

function spawnKcat(args: readonly string[]): LiveProcess {
  return new LiveProcess(KCAT, ['-b', brokers(), ...TIMEOUTS, ...args]);
}

/** kcat -P with acks=all and enable.idempotence; one message per line (key:value with -K:). */
function produce(topic: string, lines: readonly string[], extra: readonly string[] = []): Promise<RunResult> {
  return kcat(['-P', '-t', topic, ...IDEMPOTENT_ACKS_ALL, ...extra], lines.map((l) => `${l}\n`).join(''));
}

function expectClean(result: RunResult, what: string): void {
  const report = `${what}: exit ${result.code}${result.signal ? ` (${result.signal})` : ''}${result.timedOut ? ' after timing out' : ''}\n${result.stderr.slice(-3_000)}`;
  expect(result.timedOut, report).toBe(false);
  // Transport errors ("% ERROR: ... Broker transport failure") are normal around a killed broker.
  expect(result.stderr, report).not.toMatch(/Delivery failed|FATAL/);
  expect(result.code, report).toBe(0);
}

/** Reads a partition (or every partition) from the beginning to its end: kcat -C -e. */
async function consume(topic: string, options: { partition?: number; offset?: string; count?: number; format?: string } = {}): Promise<string[]> {
  const args = ['-C', '-t', topic, '-e', '-o', options.offset ?? 'beginning', '-f', options.format ?? '%s\n'];
  if (options.partition !== undefined) args.push('-p', String(options.partition));
  if (options.count !== undefined) args.push('-c', String(options.count));
  const result = await kcat(args);
  expectClean(result, `kcat -C ${topic}`);
  return lines(result.stdout);
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l.length > 0);

describeWithTool('kcat (librdkafka 2.0.2) through the Kafka listener', kcatCheck(), () => {
  beforeAll(async () => {
    // Steady leaders: a busy machine must not fence a live broker (moving a group's coordinator
    // and replaying uncommitted reads) in the middle of a group story; a killed one is still
    // fenced at once, its process gone.
    cluster = await startCluster({ nodes: 3, config: { ...STEADY_LEADERS, 'group.initial.rebalance.delay.ms': '0' } });
    await warmUpGroupCoordinators(cluster);
  }, 120_000);
  afterEach(async () => {
    await stopAll();
  });
  afterAll(async () => {
    await stopAll();
    await cluster?.stop();
  });

  it('lists the brokers and the controller (kcat -L -J)', async () => {
    type Listing = { controllerid: number; brokers: { id: number; name: string }[] };
    const expected = [...cluster.kafkaBrokers].sort();
    const listed = (m: Listing) => m.brokers.map((b) => b.name).sort();
    // Metadata lists the unfenced brokers only, and on a loaded machine a broker can miss its
    // session and be fenced for a moment; it must be listed again once it heartbeats.
    let metadata: Listing | undefined;
    await waitUntil(
      async () => {
        const result = await kcat(['-L', '-J']);
        expectClean(result, 'kcat -L');
        metadata = JSON.parse(result.stdout) as Listing;
        return JSON.stringify(listed(metadata)) === JSON.stringify(expected);
      },
      20_000,
      () => `kcat -L to list every broker: ${JSON.stringify(metadata && listed(metadata))}`,
    );
    metadata = metadata!;
    expect(listed(metadata)).toEqual(expected);
    expect(metadata.brokers.map((b) => b.id)).toContain(metadata.controllerid);
  });

  it('creates a topic by producing to it (auto-creation through Metadata), reads it, and kafkajs deletes it', async () => {
    const sent = ['alpha', 'beta', 'gamma'];
    expectClean(await produce('kcat-auto', sent), 'kcat -P (auto-created topic)');
    await waitForListed(cluster.kafkaBrokers, 'kcat-auto', true);
    const listed = await kcat(['-L', '-J', '-t', 'kcat-auto']);
    const topic = (JSON.parse(listed.stdout) as { topics: { topic: string; partitions: { leader: number }[] }[] }).topics.find((t) => t.topic === 'kcat-auto');
    expect(topic?.partitions.length).toBeGreaterThan(0);
    for (const p of topic!.partitions) expect(p.leader).toBeGreaterThan(0);
    expect((await consume('kcat-auto')).sort()).toEqual(sent);

    await withAdmin(cluster.kafkaBrokers, (admin) => admin.deleteTopics({ topics: ['kcat-auto'], timeout: 10_000 }));
    await waitForListed(cluster.kafkaBrokers, 'kcat-auto', false);
  });

  it('produces idempotently with acks=all and reads the partition back in order, from the start and from an offset', async () => {
    await createTopic(cluster, 'kcat-plain', { partitions: 2, minInsync: 2 });
    const sent = Array.from({ length: 500 }, (_, i) => `k${i % 7}:v${i}`);
    // -d msg logs each produced batch: its API version, record format, producer id and codec.
    const result = await produce('kcat-plain', sent, ['-p', '0', '-K:', '-d', 'msg']);
    expectClean(result, 'kcat -P');
    const batches = [...result.stderr.matchAll(/Produce MessageSet with (\d+) message\(s\) \(\d+ bytes, ApiVersion (\d+), MsgVersion (\d+), MsgId \d+, BaseSeq (-?\d+), PID\{Id:(\d+),Epoch:(\d+)\}/g)];
    expect(batches.length, 'batches in the debug log').toBeGreaterThan(0);
    expect(batches.reduce((n, b) => n + Number(b[1]), 0)).toBe(500);
    for (const b of batches) {
      expect(b[2], 'Produce version').toBe('7');
      expect(b[3], 'record batch format').toBe('2');
      expect(Number(b[4]), 'idempotent producer: batches carry sequence numbers').toBeGreaterThanOrEqual(0);
    }

    expect(await consume('kcat-plain', { partition: 0, format: '%k:%s\n' })).toEqual(sent);
    expect(await consume('kcat-plain', { partition: 0, offset: '123', count: 5 })).toEqual(['v123', 'v124', 'v125', 'v126', 'v127']);
    expect(await consume('kcat-plain', { partition: 1 })).toEqual([]);
  });

  it.each(CODECS)('produces %s-compressed batches and reads them back', async (codec) => {
    const topic = `kcat-${codec}`;
    await createTopic(cluster, topic, { partitions: 1, minInsync: 2 });
    // Repetitive values: librdkafka sends a batch uncompressed when the codec does not shrink it.
    const sent = Array.from({ length: 300 }, (_, i) => `${codec}-${i}-${'abcdefgh'.repeat(16)}`);
    const result = await produce(topic, sent, ['-p', '0', '-z', codec, '-d', 'msg']);
    const compressed = [...result.stderr.matchAll(/Produce MessageSet with \d+ message\(s\) \([^)]*, ([a-z0-9]+)\)/g)].map((m) => m[1]);
    expect(compressed.length, `kcat logged no produced batch\n${result.stderr.slice(-2_000)}`).toBeGreaterThan(0);
    expect(new Set(compressed), 'librdkafka really compressed the batches (it silently turns a codec off when the broker range lacks what it needs)').toEqual(new Set([codec]));
    if (/Unsupported compression type/.test(result.stderr)) {
      throw new Error(
        `MISSING CODEC: the broker refused ${codec} batches with UNSUPPORTED_COMPRESSION_TYPE; src/log/batch/compression.ts has no ${codec} codec (yet). kcat said:\n${result.stderr.split('\n').filter((l) => /Delivery failed|encountered error/.test(l)).slice(0, 2).join('\n')}`,
      );
    }
    expectClean(result, `kcat -P -z ${codec}`);
    expect(await consume(topic, { partition: 0 })).toEqual(sent);
  });

  it('shares a topic across a kcat -G group, rebalances when a member leaves, and resumes from the committed offsets', async () => {
    const topic = 'kcat-grouped';
    await createTopic(cluster, topic, { partitions: 4 });
    const member = (group: string, extra: readonly string[] = []): LiveProcess =>
      spawnKcat([
        '-G', group,
        '-X', 'auto.offset.reset=earliest',
        '-X', 'session.timeout.ms=10000', '-X', 'heartbeat.interval.ms=500', '-X', 'max.poll.interval.ms=20000',
        '-X', 'enable.auto.commit=true', '-X', 'auto.commit.interval.ms=200',
        '-u', '-f', '%p\t%o\t%s\n', ...extra, topic,
      ]);

    const a = member('kcat-billing');
    await a.waitFor((_, err) => assignmentOf(err)?.length === 4, 30_000, 'member A to be assigned all 4 partitions');
    const b = member('kcat-billing');
    await waitUntil(
      () => {
        const pa = assignmentOf(a.stderr) ?? [];
        const pb = assignmentOf(b.stderr) ?? [];
        return pa.length > 0 && pb.length > 0 && new Set([...pa, ...pb]).size === 4 && pa.length + pb.length === 4;
      },
      30_000,
      () => `A and B to share the 4 partitions: A ${JSON.stringify(assignmentOf(a.stderr))}, B ${JSON.stringify(assignmentOf(b.stderr))}\nA:\n${a.tail(800)}\nB:\n${b.tail(800)}`,
    );
    const shared = { a: assignmentOf(a.stderr)!, b: assignmentOf(b.stderr)! };

    expectClean(await produce(topic, Array.from({ length: 100 }, (_, i) => `user-${i}:a${i}`), ['-K:']), 'kcat -P (100 keyed)');
    const seen = (): string[] => [...records(a.stdout), ...records(b.stdout)].map((r) => r.value);
    await waitUntil(() => new Set(seen()).size >= 100, 30_000, () => `the group consumed ${new Set(seen()).size} of 100`);
    // Each member read only its own partitions.
    for (const r of records(a.stdout)) expect(shared.a).toContain(r.partition);
    for (const r of records(b.stdout)) expect(shared.b).toContain(r.partition);

    // B leaves (SIGTERM: kcat closes its consumer, which commits and sends LeaveGroup); A takes
    // over B's partitions from B's commits.
    const bRead = records(b.stdout).length;
    expect(bRead, 'B consumed something before leaving').toBeGreaterThan(0);
    await b.stop(15_000);
    expect(b.running).toBe(false);
    expect(b.stderr).not.toMatch(/FATAL/);
    await a.waitFor((_, err) => assignmentOf(err)?.length === 4, 30_000, 'member A to take over all 4 partitions');
    expectClean(await produce(topic, Array.from({ length: 40 }, (_, i) => `user-${i}:b${i}`), ['-K:']), 'kcat -P (40 more)');
    await waitUntil(() => new Set(seen()).size >= 140, 30_000, () => `after the rebalance the group consumed ${new Set(seen()).size} of 140`);
    await a.stop(15_000);
    const all = seen();
    expect(duplicates(all), 'values read twice').toEqual([]);
    expect(all).toHaveLength(140);

    // What the members committed is exactly what they read: the end of every partition.
    const ends = await endOffsets(cluster.kafkaBrokers, topic);
    expect([...ends.values()].reduce((s, n) => s + n, 0)).toBe(140);
    expect(await committedOffsets(cluster.kafkaBrokers, 'kcat-billing', topic)).toEqual(ends);

    // A new member of the group resumes from the commits: it reads only what came after them.
    const fresh = Array.from({ length: 10 }, (_, i) => `user-${i}:c${i}`);
    expectClean(await produce(topic, fresh, ['-K:']), 'kcat -P (10 more)');
    const c = member('kcat-billing', ['-e']);
    const cExit = await c.exited(45_000);
    expect(cExit, c.tail()).toEqual({ code: 0, signal: null, timedOut: false });
    expect(records(c.stdout).map((r) => r.value).sort()).toEqual(fresh.map((l) => l.split(':')[1]).sort());
    expect(await committedOffsets(cluster.kafkaBrokers, 'kcat-billing', topic)).toEqual(await endOffsets(cluster.kafkaBrokers, topic));

    // A member that stores no offsets commits nothing, and the broker commits nothing on its
    // behalf. (enable.auto.commit=false alone is not enough: librdkafka 2.0.2 still commits the
    // offsets it stored when partitions are unassigned at close, as its cgrp debug log shows.)
    const d = member('kcat-no-commit', ['-e', '-X', 'enable.auto.commit=false', '-X', 'enable.auto.offset.store=false']);
    const dExit = await d.exited(45_000);
    expect(dExit, d.tail()).toEqual({ code: 0, signal: null, timedOut: false });
    expect(records(d.stdout)).toHaveLength(150);
    const uncommitted = await committedOffsets(cluster.kafkaBrokers, 'kcat-no-commit', topic);
    for (const offset of uncommitted.values()) expect(offset).toBe(-1);
  }, 180_000);

  it('survives a SIGKILL of its partition leader while producing, with nothing acknowledged lost', async () => {
    const topic = 'kcat-orders';
    await createTopic(cluster, topic, { partitions: 1, minInsync: 2 });
    const values = Array.from({ length: 200 }, (_, i) => `order-${i}`);
    expectClean(await produce(topic, values.slice(0, 50), ['-p', '0']), 'kcat -P (first 50)');

    const leader = await cluster.leaderOf(topic, 0);
    expect(leader).toBeGreaterThan(0);
    // -v -v -v: one "Message delivered" line per acknowledged message.
    const producer = spawnKcat(['-P', '-t', topic, '-p', '0', ...IDEMPOTENT_ACKS_ALL, '-v', '-v', '-v']);
    let killed = false;
    try {
      let kill: Promise<void> | undefined;
      for (const [n, value] of values.slice(50).entries()) {
        producer.write(`${value}\n`);
        if (n === 10) kill = cluster.kill(leader).then(() => void (killed = true));
        await sleep(20);
      }
      await kill;
      producer.end();
      const exit = await producer.exited(90_000);
      const delivered = producer.stderr.match(/Message delivered to partition 0/g)?.length ?? 0;
      expect(exit, producer.tail()).toEqual({ code: 0, signal: null, timedOut: false });
      expect(producer.stderr, 'delivery failures').not.toMatch(/Delivery failed/);
      expect(delivered, 'acknowledged messages').toBe(150);

      expect(await cluster.waitForLeader(topic, 0, { not: leader, timeoutMs: 30_000 })).not.toBe(leader);
      // Every acknowledged message, once, in order (the idempotent producer dedups its retries).
      expect(await consume(topic, { partition: 0 })).toEqual(values);
    } finally {
      await producer.stop();
      if (killed) await cluster.start(leader);
    }
  }, 180_000);
});

/** The partitions of a kcat -G member's latest assignment (from its stderr); undefined before the first. */
function assignmentOf(stderr: string): number[] | undefined {
  const events = [...stderr.matchAll(/rebalanced \(memberid [^)]*\): (assigned|revoked): ([^\n]*)/g)];
  const last = events.at(-1);
  if (!last) return undefined;
  if (last[1] === 'revoked') return [];
  return [...last[2]!.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])).sort((x, y) => x - y);
}

function records(stdout: string): { partition: number; offset: number; value: string }[] {
  return lines(stdout).map((l) => {
    const [partition, offset, value] = l.split('\t');
    return { partition: Number(partition), offset: Number(offset), value: value ?? '' };
  });
}

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
}
