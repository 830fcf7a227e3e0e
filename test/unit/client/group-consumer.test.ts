import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type BrokerlabClient, type ConsumedRecord, type Consumer, type TopicPartition } from '../../../src/client/index.js';
import type { ConsumerOptions } from '../../../src/client/options.js';
import { buildBatch } from '../../../src/log/batch/index.js';
import { FakeCluster, waitUntil } from './fake-cluster.js';

const GROUP = 'billing';

let cluster: FakeCluster | undefined;
let client: BrokerlabClient | undefined;

afterEach(async () => {
  await client?.close({ timeoutMs: 200 });
  cluster?.stop();
  client = undefined;
  cluster = undefined;
});

async function setUp(brokers = 1, metadataMaxAgeMs?: number): Promise<{ cluster: FakeCluster; client: BrokerlabClient }> {
  cluster = await FakeCluster.start(brokers);
  client = createClient({ bootstrapServers: cluster.bootstrapServers, retryBackoffMs: 20, retryBackoffMaxMs: 100, ...(metadataMaxAgeMs ? { metadataMaxAgeMs } : {}) });
  return { cluster, client };
}

function member(client: BrokerlabClient, options: ConsumerOptions = {}): Consumer {
  return client.consumer({
    groupId: GROUP,
    autoOffsetReset: 'earliest',
    sessionTimeoutMs: 2000,
    heartbeatIntervalMs: 50,
    rebalanceTimeoutMs: 3000,
    retryBackoffMs: 20,
    ...options,
  });
}

/** Appends `count` one-record batches valued "<partition>:<offset>". */
function fill(cluster: FakeCluster, topic: string, partition: number, count: number): void {
  const state = cluster.partition(topic, partition)!;
  for (let i = 0; i < count; i++) {
    cluster.append(state, buildBatch([{ key: null, value: Buffer.from(`${partition}:${state.nextOffset}`), headers: [], timestamp: Date.now() }]));
  }
}

function names(partitions: readonly TopicPartition[]): string[] {
  return partitions.map((tp) => `${tp.topic}-${tp.partition}`).sort();
}

/** Polls every consumer side by side (as separate applications would) until `done` holds. */
async function pollAll(consumers: Consumer[], done: () => boolean, timeoutMs = 8000): Promise<Map<Consumer, ConsumedRecord[]>> {
  const received = new Map<Consumer, ConsumedRecord[]>(consumers.map((c) => [c, []]));
  const deadline = Date.now() + timeoutMs;
  await Promise.all(
    consumers.map(async (consumer) => {
      while (!done() && Date.now() < deadline) received.get(consumer)!.push(...(await consumer.poll({ maxWaitMs: 100 })));
    }),
  );
  if (!done()) throw new Error('condition not reached while polling');
  return received;
}

/** Polls until `count` records arrived (or the time is up); returns them. */
async function pollRecords(consumer: Consumer, count: number, timeoutMs = 5000): Promise<ConsumedRecord[]> {
  const records: ConsumedRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) records.push(...(await consumer.poll({ maxWaitMs: 100 })));
  return records;
}

/** Polls for `durationMs`; returns what arrived. */
async function pollFor(consumer: Consumer, durationMs: number): Promise<ConsumedRecord[]> {
  const records: ConsumedRecord[] = [];
  const until = Date.now() + durationMs;
  while (Date.now() < until) records.push(...(await consumer.poll({ maxWaitMs: 100 })));
  return records;
}

function isStableSplit(consumers: Consumer[], total: number): boolean {
  const generations = new Set(consumers.map((c) => c.groupMetadata()!.generationId));
  const owned = consumers.flatMap((c) => names(c.assignment()));
  return generations.size === 1 && consumers.every((c) => c.assignment().length > 0) && new Set(owned).size === total && owned.length === total;
}

describe('group consumer', () => {
  it('joins with the member id MEMBER_ID_REQUIRED hands out, syncs, and reads its partitions from the earliest offset', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 2);
    fill(cluster, 't', 0, 3);
    fill(cluster, 't', 1, 2);
    const consumer = member(client);
    consumer.subscribe(['t']);
    const records = await pollRecords(consumer, 5);
    expect(names(consumer.assignment())).toEqual(['t-0', 't-1']);
    const joins = cluster.groups.callsOf('JoinGroup').map((c) => c.request['member_id']);
    expect(joins[0]).toBe('');
    expect(joins[1]).toBe(consumer.groupMetadata()!.memberId);
    expect(consumer.groupMetadata()!.generationId).toBe(1);
    expect(cluster.groups.callsOf('SyncGroup')).toHaveLength(1);
    expect(cluster.groups.callsOf('OffsetFetch')).toHaveLength(1);
    expect(records.map((r) => r.value!.toString()).sort()).toEqual(['0:0', '0:1', '0:2', '1:0', '1:1']);
  });

  it('splits partitions between two members with the range assignor', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('a', 3);
    cluster.addTopic('b', 3);
    const consumers = [member(client, { assignor: 'range' }), member(client, { assignor: 'range' })];
    for (const c of consumers) c.subscribe(['a', 'b']);
    await pollAll(consumers, () => isStableSplit(consumers, 6));
    const [first, second] = [...consumers].sort((x, y) => (x.groupMetadata()!.memberId < y.groupMetadata()!.memberId ? -1 : 1));
    expect(names(first!.assignment())).toEqual(['a-0', 'a-1', 'b-0', 'b-1']);
    expect(names(second!.assignment())).toEqual(['a-2', 'b-2']);
    expect(cluster.groups.group(GROUP)!.protocol).toBe('range');
  });

  it('splits partitions between two members with the round-robin assignor', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('a', 3);
    cluster.addTopic('b', 3);
    const consumers = [member(client, { assignor: 'roundrobin' }), member(client, { assignor: 'roundrobin' })];
    for (const c of consumers) c.subscribe(['a', 'b']);
    await pollAll(consumers, () => isStableSplit(consumers, 6));
    const [first, second] = [...consumers].sort((x, y) => (x.groupMetadata()!.memberId < y.groupMetadata()!.memberId ? -1 : 1));
    expect(names(first!.assignment())).toEqual(['a-0', 'a-2', 'b-1']);
    expect(names(second!.assignment())).toEqual(['a-1', 'b-0', 'b-2']);
    expect(cluster.groups.group(GROUP)!.protocol).toBe('roundrobin');
  });

  it('heartbeats every heartbeatIntervalMs with its member id and generation while it holds its partitions', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const consumer = member(client, { heartbeatIntervalMs: 50 });
    consumer.subscribe(['t']);
    await pollAll([consumer], () => consumer.assignment().length === 1);
    const before = cluster.groups.callsOf('Heartbeat').length;
    // No poll meanwhile: heartbeats run in the background.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const beats = cluster.groups.callsOf('Heartbeat').slice(before);
    expect(beats.length).toBeGreaterThanOrEqual(5);
    expect(beats.length).toBeLessThanOrEqual(13);
    const { memberId, generationId } = consumer.groupMetadata()!;
    for (const beat of beats) expect(beat.request).toMatchObject({ group_id: GROUP, member_id: memberId, generation_id: generationId });
  });

  it('rejoins with the same member id when a heartbeat answers REBALANCE_IN_PROGRESS, and keeps reading', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const consumer = member(client);
    consumer.subscribe(['t']);
    await pollAll([consumer], () => consumer.assignment().length === 1);
    const { memberId } = consumer.groupMetadata()!;
    const joinsBefore = cluster.groups.callsOf('JoinGroup').length;
    cluster.groups.triggerRebalance(GROUP);
    const during = await pollAll([consumer], () => consumer.groupMetadata()!.generationId === 2 && cluster.groups.group(GROUP)!.state === 'Stable');
    expect(during.get(consumer)).toEqual([]);
    fill(cluster, 't', 0, 2);
    const records = await pollRecords(consumer, 2);
    const rejoins = cluster.groups.callsOf('JoinGroup').slice(joinsBefore);
    expect(rejoins.map((c) => c.request['member_id'])).toEqual([memberId]);
    expect(consumer.groupMetadata()!.memberId).toBe(memberId);
    expect(records.map((r) => r.value!.toString())).toEqual(['0:0', '0:1']);
  });

  it('rejoins with an empty member id after UNKNOWN_MEMBER_ID (its session was dropped)', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const consumer = member(client);
    consumer.subscribe(['t']);
    await pollAll([consumer], () => consumer.assignment().length === 1);
    const { memberId, generationId } = consumer.groupMetadata()!;
    const joinsBefore = cluster.groups.callsOf('JoinGroup').length;
    // The coordinator forgets the member, as when its session expires.
    cluster.groups.group(GROUP)!.members.delete(memberId);
    await pollAll([consumer], () => consumer.groupMetadata()!.generationId > generationId && consumer.assignment().length === 1);
    expect(consumer.groupMetadata()!.memberId).not.toBe(memberId);
    const rejoins = cluster.groups.callsOf('JoinGroup').slice(joinsBefore).map((c) => c.request['member_id']);
    expect(rejoins[0]).toBe('');
    expect(rejoins[1]).toBe(consumer.groupMetadata()!.memberId);
  });

  it('commits what poll returned, and a new member of the group resumes from the committed offset', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    fill(cluster, 't', 0, 20);
    const first = member(client, { maxPollRecords: 7 });
    first.subscribe(['t']);
    const read = await pollRecords(first, 1);
    expect(read.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    await first.commit();
    expect(cluster.groups.committed(GROUP, 't', 0)).toBe(7);
    const { memberId } = first.groupMetadata()!;
    await first.close();
    expect(cluster.groups.callsOf('LeaveGroup').map((c) => c.request['member_ids'])).toEqual([[memberId]]);

    const second = member(client);
    second.subscribe(['t']);
    const rest = await pollRecords(second, 13);
    expect(rest.map((r) => r.offset)).toEqual(Array.from({ length: 13 }, (_, i) => 7 + i));
  });

  it('commits nothing by itself unless auto-commit is on; with it, poll commits what earlier polls returned', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    fill(cluster, 't', 0, 5);
    const manual = member(client);
    manual.subscribe(['t']);
    const got = await pollRecords(manual, 5);
    await pollFor(manual, 300);
    await manual.close();
    expect(got).toHaveLength(5);
    expect(cluster.groups.callsOf('OffsetCommit')).toHaveLength(0);
    expect(cluster.groups.committed(GROUP, 't', 0)).toBeUndefined();

    const auto = member(client, { autoCommit: true, autoCommitIntervalMs: 100 });
    auto.subscribe(['t']);
    const again = await pollRecords(auto, 5);
    expect(again.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    // Not yet: a poll commits only what earlier polls returned.
    expect(cluster.groups.committed(GROUP, 't', 0) ?? -1).toBeLessThan(5);
    // The records count as processed once the application polls again after the interval.
    await pollFor(auto, 300);
    expect(cluster.groups.committed(GROUP, 't', 0)).toBe(5);
  });

  it('pause stops fetching and returning a partition; resume brings it back from where it was', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 2);
    const consumer = member(client);
    consumer.subscribe(['t']);
    await pollAll([consumer], () => consumer.assignment().length === 2);
    consumer.pause([{ topic: 't', partition: 0 }]);
    expect(consumer.paused()).toEqual([{ topic: 't', partition: 0 }]);
    // Let fetches sent before the pause finish (they wait at most 100 ms).
    await pollFor(consumer, 300);
    const fetchesBefore = cluster.broker(1).fetchRequests.length;
    fill(cluster, 't', 0, 3);
    fill(cluster, 't', 1, 3);
    const whilePaused = await pollFor(consumer, 600);
    expect(whilePaused.map((r) => r.value!.toString())).toEqual(['1:0', '1:1', '1:2']);
    for (const fetch of cluster.broker(1).fetchRequests.slice(fetchesBefore)) expect(fetch.partitions.map((p) => p.partition)).not.toContain(0);

    consumer.resume([{ topic: 't', partition: 0 }]);
    expect(consumer.paused()).toEqual([]);
    const resumed = await pollRecords(consumer, 3);
    expect(resumed.map((r) => r.value!.toString())).toEqual(['0:0', '0:1', '0:2']);
  });

  it('hands a revoked partition to the new owner from the committed offset, so uncommitted records are read again', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 2);
    fill(cluster, 't', 0, 4);
    fill(cluster, 't', 1, 4);
    const first = member(client);
    first.subscribe(['t']);
    expect(await pollRecords(first, 8)).toHaveLength(8);
    // Only partition 0 is committed; partition 1's records were returned but not committed.
    await first.commit([{ topic: 't', partition: 0, offset: 4 }]);

    const second = member(client);
    second.subscribe(['t']);
    const received = await pollAll([first, second], () => isStableSplit([first, second], 2));
    const moved = second.assignment()[0]!;
    const expected = moved.partition === 0 ? 0 : 4;
    const secondRecords = [...received.get(second)!];
    secondRecords.push(...(expected > secondRecords.length ? await pollRecords(second, expected - secondRecords.length) : await pollFor(second, 300)));
    const again = moved.partition === 1 ? ['1:0', '1:1', '1:2', '1:3'] : [];
    expect(secondRecords.map((r) => r.value!.toString())).toEqual(again);
    expect(received.get(first)!.filter((r) => r.partition === moved.partition)).toEqual([]);
    expect(names(first.assignment())).toEqual([`t-${1 - moved.partition}`]);
  });

  it('as leader, rejoins when metadata shows a subscribed topic that was missing, so its partitions get an owner', async () => {
    const { cluster, client } = await setUp(1, 200);
    cluster.addTopic('t', 1);
    const consumer = member(client);
    consumer.subscribe(['t', 'later']);
    await pollAll([consumer], () => consumer.assignment().length === 1);
    const generation = consumer.groupMetadata()!.generationId;
    cluster.addTopic('later', 2);
    await pollAll([consumer], () => consumer.assignment().length === 3);
    expect(names(consumer.assignment())).toEqual(['later-0', 'later-1', 't-0']);
    expect(consumer.groupMetadata()!.generationId).toBeGreaterThan(generation);
  });

  it('finds the coordinator again after NOT_COORDINATOR and carries on there', async () => {
    const { cluster, client } = await setUp(2);
    cluster.addTopic('t', 1);
    const consumer = member(client);
    consumer.subscribe(['t']);
    await pollAll([consumer], () => consumer.assignment().length === 1);
    expect(cluster.groups.callsOf('Heartbeat').every((c) => c.brokerId === 1)).toBe(true);
    const findsBefore = cluster.groups.callsOf('FindCoordinator').length;
    cluster.groups.coordinatorId = 2;
    await waitUntil(() => cluster.groups.callsOf('Heartbeat').some((c) => c.brokerId === 2), 3000, 'a heartbeat at the new coordinator');
    expect(cluster.groups.callsOf('FindCoordinator').length).toBeGreaterThan(findsBefore);
    fill(cluster, 't', 0, 1);
    expect(await pollRecords(consumer, 1)).toHaveLength(1);
    await consumer.commit();
    expect(cluster.groups.callsOf('OffsetCommit').at(-1)!.brokerId).toBe(2);
    expect(cluster.groups.committed(GROUP, 't', 0)).toBe(1);
  });

  it('closes within its bound, without throwing, when the coordinator cannot be reached to leave', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    const consumer = member(client);
    consumer.subscribe(['t']);
    await pollAll([consumer], () => consumer.assignment().length === 1);
    cluster.broker(1).stop();
    const startedMs = Date.now();
    await consumer.close({ timeoutMs: 300 });
    expect(Date.now() - startedMs).toBeLessThan(1500);
    await expect(consumer.poll()).rejects.toThrow(/closed/);
  });

  it('commits for partitions assigned by hand from outside group management (generation -1)', async () => {
    const { cluster, client } = await setUp();
    cluster.addTopic('t', 1);
    fill(cluster, 't', 0, 3);
    const consumer = member(client);
    consumer.assign([{ topic: 't', partition: 0, offset: 1 }]);
    expect(await pollRecords(consumer, 2)).toHaveLength(2);
    await consumer.commit();
    expect(cluster.groups.committed(GROUP, 't', 0)).toBe(3);
    expect(cluster.groups.callsOf('OffsetCommit')[0]!.request).toMatchObject({ generation_id: -1, member_id: '' });
    expect(() => consumer.subscribe(['t'])).toThrow(/assigned partitions/);
    expect(cluster.groups.callsOf('JoinGroup')).toHaveLength(0);
  });
});
