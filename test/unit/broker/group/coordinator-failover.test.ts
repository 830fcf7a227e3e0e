import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/common/clock.js';
import { SeededRandom } from '../../../../src/common/random.js';
import {
  GroupCoordinator,
  encodeGroupMetadataKey,
  offsetsRecordsOfBatches,
  type RawOffsetsRecord,
} from '../../../../src/broker/group/index.js';
import {
  SESSION_MS,
  OffsetsLog,
  TEST_CONFIG,
  expectRejects,
  expectThrows,
  flush,
  formGroup,
  joinRequest,
  setup,
  track,
} from './harness.js';

const GROUP = 'billing';

describe('coordinator failover', () => {
  it('a fresh coordinator loading the log has the same committed offsets, generation, members and assignments', async () => {
    const before = await setup();
    const g = await formGroup(before, GROUP, 3);
    const [a, b, c] = g.memberIds as [string, string, string];
    await before.coordinator.commitOffsets({ groupId: GROUP, generationId: g.generationId, memberId: a, topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: 100, metadata: 'a' }, { partition: 1, offset: 200 }] }] });
    await before.coordinator.commitOffsets({ groupId: GROUP, generationId: g.generationId, memberId: b, topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: 150, leaderEpoch: 4 }] }] });
    await before.coordinator.commitOffsets({ groupId: 'standalone', generationId: -1, memberId: '', topics: [{ topic: 'audit', partitions: [{ partition: 2, offset: 9 }] }] });
    const described = before.coordinator.describeGroup(GROUP);

    const offsetsBefore = before.coordinator.fetchOffsets({ groupId: GROUP, topics: null });
    // The broker dies; another broker becomes leader of the partition and reads it back.
    before.coordinator.close();
    const after = await setup({ log: before.log, clock: before.clock });
    expect(after.coordinator.describeGroup(GROUP)).toEqual(described);
    expect(after.coordinator.describeGroup(GROUP)).toMatchObject({ state: 'Stable', generationId: g.generationId, leaderId: g.leaderId });
    expect(offsetsBefore).toEqual({
      topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: 150, leaderEpoch: 4, metadata: '' }, { partition: 1, offset: 200, leaderEpoch: -1, metadata: '' }] }],
    });
    expect(after.coordinator.fetchOffsets({ groupId: GROUP, topics: null })).toEqual(offsetsBefore);
    expect(after.coordinator.fetchOffsets({ groupId: 'standalone', topics: [{ topic: 'audit', partitions: [2] }] }).topics[0]!.partitions[0]!.offset).toBe(9);

    // The members carry on with the new coordinator in their generation, without a rebalance.
    for (const id of [a, b, c]) after.coordinator.heartbeat({ groupId: GROUP, memberId: id, generationId: g.generationId });
    expectThrows(() => after.coordinator.heartbeat({ groupId: GROUP, memberId: a, generationId: g.generationId - 1 }), 'ILLEGAL_GENERATION');
    const sync = await after.coordinator.syncGroup({ groupId: GROUP, generationId: g.generationId, memberId: c, assignments: [] });
    expect(sync.assignment).toEqual(g.assignments.get(c));
    await after.coordinator.commitOffsets({ groupId: GROUP, generationId: g.generationId, memberId: c, topics: [{ topic: 'orders', partitions: [{ partition: 5, offset: 1 }] }] });
  });

  it('evicts a reloaded member that never heartbeats to the new coordinator, after its session timeout', async () => {
    const before = await setup();
    const g = await formGroup(before, GROUP, 2);
    before.coordinator.close();
    const after = await setup({ log: before.log, clock: before.clock });
    const [alive, gone] = g.memberIds as [string, string];
    for (let t = 0; t < SESSION_MS - 1000; t += 1000) {
      after.clock.advance(1000);
      after.coordinator.heartbeat({ groupId: GROUP, memberId: alive, generationId: g.generationId });
    }
    after.clock.advance(999);
    expect(after.coordinator.describeGroup(GROUP).members.map((m) => m.memberId)).toEqual([alive, gone]);
    after.clock.advance(1);
    expect(after.coordinator.describeGroup(GROUP).members.map((m) => m.memberId)).toEqual([alive]);
    expectThrows(() => after.coordinator.heartbeat({ groupId: GROUP, memberId: alive, generationId: g.generationId }), 'REBALANCE_IN_PROGRESS');
    expectThrows(() => after.coordinator.heartbeat({ groupId: GROUP, memberId: gone, generationId: g.generationId }), 'UNKNOWN_MEMBER_ID');
  });

  it('does not resurrect a generation whose assignment was never stored: its members are told to rejoin', async () => {
    const before = await setup();
    const g = await formGroup(before, GROUP, 2);
    const [a, b] = g.memberIds as [string, string];
    const joins = [a, b].map((memberId, i) => track(before.coordinator.joinGroup(joinRequest(GROUP, { memberId, clientId: `consumer-${i}` }))));
    await flush();
    const next = joins[0]!.value!.generationId;
    expect(next).toBe(g.generationId + 1); // joined, but the coordinator dies before the leader syncs

    before.coordinator.close();
    const after = await setup({ log: before.log, clock: before.clock });
    expect(after.coordinator.describeGroup(GROUP)).toMatchObject({ state: 'Stable', generationId: g.generationId });
    expectThrows(() => after.coordinator.heartbeat({ groupId: GROUP, memberId: a, generationId: next }), 'ILLEGAL_GENERATION');
    await expectRejects(after.coordinator.syncGroup({ groupId: GROUP, generationId: next, memberId: b, assignments: [] }), 'ILLEGAL_GENERATION');
  });

  it('does not bring back groups and offsets that were deleted, nor the members of a group that emptied', async () => {
    const before = await setup();
    await before.coordinator.commitOffsets({ groupId: 'gone', generationId: -1, memberId: '', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 5 }] }] });
    await before.coordinator.deleteGroups(['gone']);
    const g = await formGroup(before, GROUP, 1);
    before.coordinator.leaveGroup({ groupId: GROUP, memberIds: g.memberIds });
    before.coordinator.close();
    const after = await setup({ log: before.log, clock: before.clock });
    expect(after.coordinator.describeGroup('gone').state).toBe('Dead');
    expect(after.coordinator.fetchOffsets({ groupId: 'gone', topics: null }).topics).toEqual([]);
    expect(after.coordinator.describeGroup(GROUP)).toMatchObject({ state: 'Empty', generationId: g.generationId + 1, members: [] });
  });
});

describe('partition ownership', () => {
  it('answers NOT_COORDINATOR for groups of partitions it does not lead', async () => {
    const clock = new ManualClock();
    const coordinator = new GroupCoordinator({ clock, random: new SeededRandom(1), writer: new OffsetsLog().writer, config: TEST_CONFIG });
    await coordinator.loadPartition(coordinator.partitionFor('mine'), []);
    expect(coordinator.partitionFor('theirs')).not.toBe(coordinator.partitionFor('mine'));
    await expectRejects(coordinator.joinGroup(joinRequest('theirs')), 'NOT_COORDINATOR');
    expectThrows(() => coordinator.heartbeat({ groupId: 'theirs', memberId: 'm', generationId: 1 }), 'NOT_COORDINATOR');
    expectThrows(() => coordinator.fetchOffsets({ groupId: 'theirs', topics: null }), 'NOT_COORDINATOR');
    expectThrows(() => coordinator.describeGroup('theirs'), 'NOT_COORDINATOR');
    await expectRejects(coordinator.commitOffsets({ groupId: 'theirs', generationId: -1, memberId: '', topics: [] }), 'NOT_COORDINATOR');
    expect(coordinator.describeGroup('mine').state).toBe('Dead');
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS while loading (SyncGroup: REBALANCE_IN_PROGRESS), then serves the loaded state', async () => {
    const source = await setup();
    await source.coordinator.commitOffsets({ groupId: GROUP, generationId: -1, memberId: '', topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: 77 }] }] });
    const partition = source.coordinator.partitionFor(GROUP);

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* slowLog(): AsyncGenerator<RawOffsetsRecord> {
      await gate;
      yield* offsetsRecordsOfBatches(source.log.bytes(partition));
    }
    const coordinator = new GroupCoordinator({ clock: new ManualClock(), random: new SeededRandom(2), writer: new OffsetsLog().writer, config: TEST_CONFIG });
    const loading = coordinator.loadPartition(partition, slowLog());
    expect(coordinator.isLoaded(partition)).toBe(false);
    expectThrows(() => coordinator.fetchOffsets({ groupId: GROUP, topics: null }), 'COORDINATOR_LOAD_IN_PROGRESS');
    expectThrows(() => coordinator.heartbeat({ groupId: GROUP, memberId: 'm', generationId: 1 }), 'COORDINATOR_LOAD_IN_PROGRESS');
    await expectRejects(coordinator.joinGroup(joinRequest(GROUP)), 'COORDINATOR_LOAD_IN_PROGRESS');
    await expectRejects(coordinator.syncGroup({ groupId: GROUP, generationId: 1, memberId: 'm', assignments: [] }), 'REBALANCE_IN_PROGRESS');
    expect(coordinator.listGroups().error?.kafkaName).toBe('COORDINATOR_LOAD_IN_PROGRESS');

    release();
    expect(await loading).toEqual({ partition, records: 1, groups: 1, offsets: 1, skippedRecords: 0 });
    expect(coordinator.fetchOffsets({ groupId: GROUP, topics: [{ topic: 'orders', partitions: [0] }] }).topics[0]!.partitions[0]!.offset).toBe(77);
    expect(coordinator.listGroups()).toEqual({ groups: [{ groupId: GROUP, protocolType: '', state: 'Empty' }] });
  });

  it('abandons a load when the partition is unloaded before it finishes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* slowLog(): AsyncGenerator<RawOffsetsRecord> {
      await gate;
      yield { key: encodeGroupMetadataKey('g'), value: null };
    }
    const coordinator = new GroupCoordinator({ clock: new ManualClock(), random: new SeededRandom(3), writer: new OffsetsLog().writer, config: TEST_CONFIG });
    const loading = coordinator.loadPartition(4, slowLog());
    coordinator.unloadPartition(4);
    release();
    await expectRejects(loading, 'NOT_COORDINATOR');
    expect(coordinator.isLoaded(4)).toBe(false);
  });

  it('fails the load of a partition holding a malformed record, skips record types it does not use', async () => {
    const coordinator = new GroupCoordinator({ clock: new ManualClock(), random: new SeededRandom(4), writer: new OffsetsLog().writer, config: TEST_CONFIG });
    const newerProtocolRecord = { key: Buffer.from([0, 3, 0, 1, 0x67]), value: Buffer.from([0, 0]) };
    expect(await coordinator.loadPartition(1, [newerProtocolRecord])).toMatchObject({ records: 1, skippedRecords: 1, groups: 0 });
    const garbage = { key: encodeGroupMetadataKey('g'), value: Buffer.from([0, 3, 0xff]) };
    await expectRejects(coordinator.loadPartition(2, [garbage]), 'CORRUPT_MESSAGE');
    expect(coordinator.isLoaded(2)).toBe(false);
    expectThrows(() => coordinator.describeGroup(groupOnPartition(coordinator, 2)), 'NOT_COORDINATOR');
  });

  it('lists groups of every loaded partition, filtered by state', async () => {
    const s = await setup();
    await formGroup(s, 'stable-one', 1);
    await s.coordinator.commitOffsets({ groupId: 'empty-one', generationId: -1, memberId: '', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 1 }] }] });
    const all = s.coordinator.listGroups().groups.map((g) => `${g.groupId}:${g.state}:${g.protocolType}`).sort();
    expect(all).toEqual(['empty-one:Empty:', 'stable-one:Stable:consumer']);
    expect(s.coordinator.listGroups(['Stable']).groups.map((g) => g.groupId)).toEqual(['stable-one']);
  });
});

/** Some group id that hashes to `partition`. */
function groupOnPartition(coordinator: GroupCoordinator, partition: number): string {
  for (let i = 0; ; i++) if (coordinator.partitionFor(`g${i}`) === partition) return `g${i}`;
}
