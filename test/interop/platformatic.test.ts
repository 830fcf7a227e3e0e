/**
 * @platformatic/kafka (pure JS, flexible protocol versions only: Metadata v9, Fetch v12,
 * JoinGroup v6, CreateTopics v7, ...) against a real 3-node cluster through the Kafka listener.
 * Covered: Admin create/list/delete topics, an idempotent acks=all Producer (uncompressed and with
 * gzip, snappy and lz4), a stream consumer of one partition from a chosen offset, a consumer group
 * with manual commits (message.commit()), a rebalance when one member leaves and resume from the
 * commits, and the acceptance case: the partition leader is SIGKILLed while the app produces, and
 * nothing acknowledged is lost.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Admin, Consumer, ProduceAcks, Producer, stringDeserializers, stringSerializers, type Message, type MessagesStream } from '@platformatic/kafka';
import { startCluster, type LocalCluster } from '../../cluster/index.js';
import { STEADY_LEADERS } from '../../cluster/presets.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';
import { committedOffsets, endOffsets, warmUpGroupCoordinators } from './support/kafkajs-admin.js';
import { waitUntil, within } from './support/process.js';

type StringConsumer = Consumer<string, string, string, string>;
type StringStream = MessagesStream<string, string, string, string>;
type StringMessage = Message<string, string, string, string>;

let cluster: LocalCluster;
let admin: Admin;
const closers: (() => Promise<unknown>)[] = [];
/** Every group join any consumer saw: for failure messages. */
const joins: { memberId: string; generation: number; partitions: number[] }[] = [];

/** close(true) without a callback returns a promise; the typings pick the callback overload. */
type Closable = { close(force?: boolean): Promise<void> };
const forceClose = (client: Closable): Promise<void> => client.close(true);

const base = () => ({ bootstrapBrokers: cluster.kafkaBrokers, timeout: 10_000, retries: 10, retryDelay: 200 });

function producer(): Producer<string, string, string, string> {
  const p = new Producer({ ...base(), clientId: 'interop-producer', serializers: stringSerializers, idempotent: true, acks: ProduceAcks.ALL });
  closers.push(() => forceClose(p));
  return p;
}

function consumer(groupId: string): StringConsumer {
  const c = new Consumer({ ...base(), clientId: 'interop-consumer', groupId, deserializers: stringDeserializers, maxWaitTime: 500, sessionTimeout: 10_000, heartbeatInterval: 500, rebalanceTimeout: 20_000 });
  closers.push(() => forceClose(c));
  c.on('consumer:group:join', (p) => joins.push({ memberId: p.memberId, generation: p.generationId ?? -1, partitions: (p.assignments ?? []).flatMap((a) => a.partitions) }));
  return c;
}

/** Collects what a stream delivers; `commit` commits each message after it is recorded. */
function collect(stream: StringStream, options: { commit?: boolean } = {}): StringMessage[] {
  const out: StringMessage[] = [];
  const errors: Error[] = [];
  stream.on('error', (e: Error) => errors.push(e));
  stream.on('data', (m: StringMessage) => {
    out.push(m);
    if (options.commit) void (m.commit() as Promise<void>).catch((e: Error) => errors.push(e));
  });
  Object.defineProperty(out, 'errors', { value: errors });
  return out;
}

const errorsOf = (messages: StringMessage[]): Error[] => (messages as unknown as { errors: Error[] }).errors;

describe.skipIf(!nodeBuilt)(`@platformatic/kafka through the Kafka listener${nodeBuilt ? '' : ` (${SKIP_REASON})`}`, () => {
  beforeAll(async () => {
    // Steady leaders: a busy machine must not fence a live broker (moving a group's coordinator
    // and replaying uncommitted reads) in the middle of a group story; a killed one is still
    // fenced at once, its process gone.
    cluster = await startCluster({ nodes: 3, config: { ...STEADY_LEADERS, 'group.initial.rebalance.delay.ms': '0' } });
    await warmUpGroupCoordinators(cluster);
    admin = new Admin({ ...base(), clientId: 'interop-admin' });
  }, 120_000);
  // Every client a test opened is closed after it, pass or fail, so none keeps heartbeating into
  // the next test.
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await within(close(), 10_000, 'closing a client').catch(() => {});
  });
  afterAll(async () => {
    await admin?.close().catch(() => {});
    await cluster?.stop();
  });

  it('creates, lists, describes and deletes a topic', async () => {
    const [created] = await admin.createTopics({ topics: ['plt-admin'], partitions: 3, replicas: 3, configs: [{ name: 'min.insync.replicas', value: '2' }] });
    expect(created).toMatchObject({ name: 'plt-admin', partitions: 3, replicas: 3, configuration: { 'min.insync.replicas': '2' } });
    expect(created!.id).toMatch(/^[0-9a-f-]{36}$/);
    await waitUntil(async () => (await admin.listTopics()).includes('plt-admin'), 10_000, () => 'plt-admin listed on every broker');
    const metadata = await admin.metadata({ topics: ['plt-admin'] });
    expect([...metadata.brokers.keys()].sort()).toEqual([1, 2, 3]);
    expect(metadata.brokers.has(metadata.controllerId)).toBe(true);
    const topic = metadata.topics.get('plt-admin')!;
    expect(topic.partitionsCount).toBe(3);
    for (const p of topic.partitions) {
      expect(p.leader).toBeGreaterThan(0);
      expect(p.replicas).toHaveLength(3);
    }
    // TOPIC_ALREADY_EXISTS is an error for this client.
    await expect(admin.createTopics({ topics: ['plt-admin'], partitions: 1, replicas: 3 })).rejects.toThrow();
    await admin.deleteTopics({ topics: ['plt-admin'] });
    await waitUntil(async () => !(await admin.listTopics()).includes('plt-admin'), 10_000, () => 'plt-admin gone on every broker');
  });

  it('produces idempotently with acks=all and streams one partition back in order, from the start and from an offset', async () => {
    await admin.createTopics({ topics: ['plt-plain'], partitions: 2, replicas: 3, configs: [{ name: 'min.insync.replicas', value: '2' }] });
    await cluster.waitForTopic('plt-plain', 2, { timeoutMs: 30_000 });
    const p = producer();
    const sent = Array.from({ length: 200 }, (_, i) => ({ topic: 'plt-plain', partition: 0, key: `k${i % 7}`, value: `v${i}` }));
    const result = await p.send({ messages: sent });
    expect(result.offsets).toEqual([{ topic: 'plt-plain', partition: 0, offset: 0n }]);
    expect(p.producerId, 'InitProducerId gave a producer id').toBeGreaterThanOrEqual(0n);
    await p.send({ messages: sent.slice(0, 3).map((m, i) => ({ ...m, value: `w${i}` })) });

    // A stream of the partition from offset 0, then another from offset 150 (mode manual).
    for (const from of [0, 150]) {
      const c = consumer(`plt-reader-${from}`);
      const stream = await c.consume({ topics: ['plt-plain'], mode: 'manual', offsets: [{ topic: 'plt-plain', partition: 0, offset: BigInt(from) }, { topic: 'plt-plain', partition: 1, offset: 0n }], autocommit: false });
      const got = collect(stream);
      try {
        await waitUntil(() => got.length >= 203 - from, 30_000, () => `streamed ${got.length} of ${203 - from} from offset ${from}: ${errorsOf(got).join('; ')}`);
        expect(got.map((m) => m.partition)).toEqual(Array(203 - from).fill(0));
        expect(got.map((m) => Number(m.offset))).toEqual(Array.from({ length: 203 - from }, (_, i) => from + i));
        expect(got.map((m) => m.value)).toEqual([...sent.map((m) => m.value), 'w0', 'w1', 'w2'].slice(from));
        expect(got.slice(0, 3).map((m) => m.key)).toEqual(sent.slice(from, from + 3).map((m) => m.key));
      } finally {
        await within(stream.close(), 10_000, 'closing the stream');
        await within(forceClose(c), 10_000, 'closing the consumer');
      }
    }
  });

  it.each(['gzip', 'snappy', 'lz4'] as const)('produces %s-compressed batches and streams them back', async (codec) => {
    const topic = `plt-${codec}`;
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 3 });
    await cluster.waitForTopic(topic, 1, { timeoutMs: 30_000 });
    const p = producer();
    const sent = Array.from({ length: 100 }, (_, i) => `${codec}-${i}-${'abcdefgh'.repeat(16)}`);
    await p.send({ messages: sent.map((value) => ({ topic, partition: 0, value })), compression: codec });
    const c = consumer(`plt-${codec}-reader`);
    const stream = await c.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    const got = collect(stream);
    try {
      await waitUntil(() => got.length >= 100, 30_000, () => `streamed ${got.length} of 100: ${errorsOf(got).join('; ')}`);
      expect(got.map((m) => m.value)).toEqual(sent);
    } finally {
      await within(stream.close(), 10_000, 'closing the stream');
      await within(forceClose(c), 10_000, 'closing the consumer');
    }
  });

  it('shares a topic across a group with manual commits, rebalances when a member leaves, and resumes from the commits', async () => {
    const topic = 'plt-grouped';
    await admin.createTopics({ topics: [topic], partitions: 4, replicas: 3 });
    await cluster.waitForTopic(topic, 4, { timeoutMs: 30_000 });
    const p = producer();
    const join = async (c: StringConsumer): Promise<{ stream: StringStream; got: StringMessage[] }> => {
      const stream = await c.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
      return { stream, got: collect(stream, { commit: true }) };
    };
    const partitionsOf = (c: StringConsumer): number[] => (c.assignments ?? []).flatMap((a) => (a.topic === topic ? a.partitions : [])).sort();

    const a = consumer('plt-billing');
    const b = consumer('plt-billing');
    const ma = await join(a);
    await waitUntil(() => partitionsOf(a).length === 4, 30_000, () => `A to get all 4 partitions: ${JSON.stringify(partitionsOf(a))}`);
    const mb = await join(b);
    await waitUntil(
      () => partitionsOf(a).length > 0 && partitionsOf(b).length > 0 && new Set([...partitionsOf(a), ...partitionsOf(b)]).size === 4 && partitionsOf(a).length + partitionsOf(b).length === 4,
      30_000,
      () => `A and B to share 4 partitions: A ${JSON.stringify(partitionsOf(a))}, B ${JSON.stringify(partitionsOf(b))}`,
    );
    const shared = { a: partitionsOf(a), b: partitionsOf(b) };
    const described = (await admin.describeGroups({ groups: ['plt-billing'] })).get('plt-billing');
    expect(described?.state).toBe('STABLE');
    expect(described?.members.size).toBe(2);

    // This client does not drop what a fetch issued before the rebalance returns for a partition
    // revoked meanwhile (A's long poll for all 4 partitions may still be open when it gets [0, 2]),
    // so let such a fetch end (maxWaitTime 500 ms) before producing.
    await new Promise((r) => setTimeout(r, 1_500));
    await p.send({ messages: Array.from({ length: 100 }, (_, i) => ({ topic, key: `user-${i}`, value: `a${i}` })) });
    const seen = (): string[] => [...ma.got, ...mb.got].map((m) => m.value);
    await waitUntil(() => new Set(seen()).size >= 100, 30_000, () => `the group consumed ${new Set(seen()).size} of 100: ${[...errorsOf(ma.got), ...errorsOf(mb.got)].join('; ')}`);
    for (const m of ma.got) expect(shared.a, `A read partition ${m.partition}; joins ${JSON.stringify(joins)}`).toContain(m.partition);
    for (const m of mb.got) expect(shared.b, `B read partition ${m.partition}; joins ${JSON.stringify(joins)}`).toContain(m.partition);
    expect(mb.got.length, 'B consumed something before leaving').toBeGreaterThan(0);

    // B leaves: its commits are in (each commit awaited by the stream before close), and A takes
    // over B's partitions from them.
    await waitUntil(() => mb.stream.committedOffsets.size > 0, 10_000, () => 'B to have committed');
    await within(mb.stream.close(), 10_000, 'closing B');
    await within(b.close(), 15_000, 'B leaving the group');
    await waitUntil(() => partitionsOf(a).length === 4, 30_000, () => `A to take over all 4 partitions: ${JSON.stringify(partitionsOf(a))}`);
    // As after the first rebalance: A's fetch for its old partitions must end before anything new
    // arrives, or this client delivers what both its old and its new fetch loop read.
    await new Promise((r) => setTimeout(r, 1_500));
    await p.send({ messages: Array.from({ length: 40 }, (_, i) => ({ topic, key: `user-${i}`, value: `b${i}` })) });
    await waitUntil(() => new Set(seen()).size >= 140, 30_000, () => `after the rebalance the group consumed ${new Set(seen()).size} of 140`);
    expect(duplicates(seen()), 'values read twice').toEqual([]);
    expect(seen()).toHaveLength(140);

    // What was committed is what was read: every partition's end, as kafkajs sees it.
    const ends = await endOffsets(cluster.kafkaBrokers, topic);
    expect([...ends.values()].reduce((s, n) => s + n, 0)).toBe(140);
    await waitUntil(
      async () => JSON.stringify([...(await committedOffsets(cluster.kafkaBrokers, 'plt-billing', topic))].sort()) === JSON.stringify([...ends].sort()),
      10_000,
      () => 'the commits to reach the end of every partition',
    );
    await within(ma.stream.close(), 10_000, 'closing A');
    await within(a.close(), 15_000, 'A leaving the group');

    // A new member resumes from the commits: only what came after them.
    await p.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic, key: `user-${i}`, value: `c${i}` })) });
    const c = consumer('plt-billing');
    const mc = await join(c);
    try {
      await waitUntil(() => mc.got.length >= 10, 30_000, () => `the new member read ${mc.got.length} of 10`);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(mc.got.map((m) => m.value).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`).sort());
    } finally {
      await within(mc.stream.close(), 10_000, 'closing C');
      await within(c.close(), 15_000, 'C leaving the group');
    }
  }, 180_000);

  it('survives a SIGKILL of its partition leader with nothing acknowledged lost', async () => {
    const topic = 'plt-orders';
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 3, configs: [{ name: 'min.insync.replicas', value: '2' }] });
    await cluster.waitForTopic(topic, 1, { timeoutMs: 30_000 });
    const p = new Producer({ ...base(), clientId: 'interop-orders', serializers: stringSerializers, idempotent: true, acks: ProduceAcks.ALL, retries: 5, retryDelay: 200 });
    closers.push(() => forceClose(p));
    const acknowledged: string[] = [];
    const failedAttempts: string[] = [];
    let i = 0;
    // This client retries a send only against the leader it first chose (a connection refused by
    // a dead leader is retried there until `retries` run out), so across a leader crash the app
    // sends again with fresh metadata. The idempotent producer keeps the sequence number of a
    // failed send, so a resend of a batch the old leader had already written is deduplicated.
    const send = async (): Promise<void> => {
      const value = `order-${i++}`;
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await p.send({ messages: [{ topic, partition: 0, key: 'customer-1', value }] });
          acknowledged.push(value);
          return;
        } catch (e) {
          failedAttempts.push(`${value}: ${(e as Error).message}`);
          if (Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 500));
          await p.metadata({ topics: [topic], forceUpdate: true }).catch(() => undefined);
        }
      }
    };
    for (let n = 0; n < 50; n++) await send();
    const leader = await cluster.leaderOf(topic, 0);
    let killed = false;
    try {
      const writing = (async () => {
        for (let n = 0; n < 150; n++) await send();
      })();
      await cluster.kill(leader);
      killed = true;
      await within(writing, 120_000, `producing across the leader kill (${acknowledged.length} acknowledged)`);
      expect(acknowledged).toHaveLength(200);
      await cluster.waitForLeader(topic, 0, { not: leader, timeoutMs: 30_000 });

      const c = consumer('plt-orders-audit');
      const stream = await c.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      const got = collect(stream);
      try {
        await waitUntil(() => got.length >= acknowledged.length, 30_000, () => `read ${got.length} of ${acknowledged.length}: ${errorsOf(got).join('; ')}`);
        await new Promise((r) => setTimeout(r, 500));
        // Every acknowledged message, once, in order: the idempotent producer's retries are deduplicated.
        expect(got.map((m) => m.value)).toEqual(acknowledged);
      } finally {
        await within(stream.close(), 10_000, 'closing the stream');
        await within(forceClose(c), 10_000, 'closing the consumer');
      }
    } finally {
      if (killed) await cluster.start(leader);
    }
  }, 180_000);
});

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
}
