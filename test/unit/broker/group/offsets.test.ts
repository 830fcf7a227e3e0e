import { describe, expect, it } from 'vitest';
import { errors } from '../../../../src/common/errors.js';
import { decodeOffsetsRecord, offsetsRecordsOfBatches, type OffsetCommitRequest } from '../../../../src/broker/group/index.js';
import { expectRejects, flush, formGroup, joinRequest, setup, track, type Setup } from './harness.js';

const GROUP = 'billing';

function commit(groupId: string, generationId: number, memberId: string, offsets: Record<number, number>, metadata?: string): OffsetCommitRequest {
  return {
    groupId,
    generationId,
    memberId,
    topics: [{ topic: 'orders', partitions: Object.entries(offsets).map(([p, offset]) => ({ partition: Number(p), offset, metadata })) }],
  };
}

function committed(s: Setup, groupId: string, partitions: number[]): number[] {
  const result = s.coordinator.fetchOffsets({ groupId, topics: [{ topic: 'orders', partitions }] });
  return result.topics[0]!.partitions.map((p) => p.offset);
}

describe('OffsetCommit and OffsetFetch', () => {
  it('stores the next offset to read per partition, with its metadata, and -1 where nothing is committed', async () => {
    const s = await setup();
    const g = await formGroup(s, GROUP, 1);
    const result = await s.coordinator.commitOffsets(commit(GROUP, g.generationId, g.memberIds[0]!, { 0: 10, 2: 7 }, 'host-a'));
    expect(result).toEqual({ topics: [{ topic: 'orders', partitions: [{ partition: 0 }, { partition: 2 }] }] });
    expect(committed(s, GROUP, [0, 1, 2])).toEqual([10, -1, 7]);
    expect(s.coordinator.fetchOffsets({ groupId: GROUP, topics: [{ topic: 'orders', partitions: [0, 1] }] }).topics[0]!.partitions).toEqual([
      { partition: 0, offset: 10, leaderEpoch: -1, metadata: 'host-a' },
      { partition: 1, offset: -1, leaderEpoch: -1, metadata: '' },
    ]);
    // A null topic list fetches everything the group committed.
    expect(s.coordinator.fetchOffsets({ groupId: GROUP, topics: null }).topics).toEqual([
      { topic: 'orders', partitions: [{ partition: 0, offset: 10, leaderEpoch: -1, metadata: 'host-a' }, { partition: 2, offset: 7, leaderEpoch: -1, metadata: 'host-a' }] },
    ]);
    expect(committed(s, 'never-committed', [0])).toEqual([-1]);
  });

  it('writes one OffsetCommit record per partition to the group partition of __consumer_offsets', async () => {
    const s = await setup();
    await s.coordinator.commitOffsets(commit(GROUP, -1, '', { 0: 5, 1: 6 }));
    const partition = s.coordinator.partitionFor(GROUP);
    const records = [...offsetsRecordsOfBatches(s.log.bytes(partition))].map((r) => decodeOffsetsRecord(r));
    expect(records).toMatchObject([
      { kind: 'offset-commit', key: { group: GROUP, topic: 'orders', partition: 0 }, value: { offset: 5, commitTimestamp: s.clock.now() } },
      { kind: 'offset-commit', key: { group: GROUP, topic: 'orders', partition: 1 }, value: { offset: 6 } },
    ]);
  });

  it('refuses a commit from an older generation with ILLEGAL_GENERATION', async () => {
    const s = await setup();
    const g = await formGroup(s, GROUP, 2);
    const [a, b] = g.memberIds as [string, string];
    // A rebalance to the next generation completes...
    const joins = [a, b].map((memberId, i) => track(s.coordinator.joinGroup(joinRequest(GROUP, { memberId, clientId: `consumer-${i}` }))));
    await flush();
    const next = joins[0]!.value!.generationId;
    expect(next).toBe(g.generationId + 1);
    for (const memberId of [b, a]) track(s.coordinator.syncGroup({ groupId: GROUP, generationId: next, memberId, assignments: [] }));
    await flush();
    expect(s.coordinator.describeGroup(GROUP).state).toBe('Stable');
    // ...and a commit still carrying the old generation is refused, leaving nothing committed.
    await expectRejects(s.coordinator.commitOffsets(commit(GROUP, g.generationId, b, { 0: 99 })), 'ILLEGAL_GENERATION');
    expect(committed(s, GROUP, [0])).toEqual([-1]);
    await s.coordinator.commitOffsets(commit(GROUP, next, b, { 0: 99 }));
    expect(committed(s, GROUP, [0])).toEqual([99]);
  });

  it('accepts commits of the current generation while a rebalance is being prepared, refuses them while the assignment is pending', async () => {
    const s = await setup();
    const g = await formGroup(s, GROUP, 2);
    const [a, b] = g.memberIds as [string, string];
    track(s.coordinator.joinGroup(joinRequest(GROUP, { memberId: a, clientId: 'consumer-0' })));
    expect(s.coordinator.describeGroup(GROUP).state).toBe('PreparingRebalance');
    // What a consumer does while its partitions are revoked: commit what it processed.
    await s.coordinator.commitOffsets(commit(GROUP, g.generationId, b, { 1: 42 }));
    expect(committed(s, GROUP, [1])).toEqual([42]);

    track(s.coordinator.joinGroup(joinRequest(GROUP, { memberId: b, clientId: 'consumer-1' })));
    await flush();
    expect(s.coordinator.describeGroup(GROUP).state).toBe('CompletingRebalance');
    await expectRejects(s.coordinator.commitOffsets(commit(GROUP, g.generationId + 1, b, { 1: 43 })), 'REBALANCE_IN_PROGRESS');
  });

  it('refuses unknown members, and generation-less commits into a group with members', async () => {
    const s = await setup();
    const g = await formGroup(s, GROUP, 1);
    await expectRejects(s.coordinator.commitOffsets(commit(GROUP, g.generationId, 'ghost', { 0: 1 })), 'UNKNOWN_MEMBER_ID');
    await expectRejects(s.coordinator.commitOffsets(commit(GROUP, -1, '', { 0: 1 })), 'UNKNOWN_MEMBER_ID');
    // A group this coordinator never heard of: only a simple commit may create it.
    await expectRejects(s.coordinator.commitOffsets(commit('unknown-group', 3, 'm', { 0: 1 })), 'ILLEGAL_GENERATION');
  });

  it('accepts simple commits (generation -1, no member) for a group without members', async () => {
    const s = await setup();
    await s.coordinator.commitOffsets(commit('standalone', -1, '', { 3: 100 }));
    expect(committed(s, 'standalone', [3])).toEqual([100]);
    expect(s.coordinator.describeGroup('standalone')).toMatchObject({ state: 'Empty', members: [] });
  });

  it('keeps offsets after every member has left', async () => {
    const s = await setup();
    const g = await formGroup(s, GROUP, 2);
    await s.coordinator.commitOffsets(commit(GROUP, g.generationId, g.memberIds[1]!, { 0: 11, 1: 12 }));
    s.coordinator.leaveGroup({ groupId: GROUP, memberIds: g.memberIds });
    await flush();
    expect(s.coordinator.describeGroup(GROUP)).toMatchObject({ state: 'Empty', members: [] });
    expect(committed(s, GROUP, [0, 1])).toEqual([11, 12]);
    // A consumer coming back later resumes from there.
    const join = track(s.coordinator.joinGroup(joinRequest(GROUP)));
    s.clock.advance(0);
    await flush();
    expect(join.value!.generationId).toBe(g.generationId + 2);
    expect(committed(s, GROUP, [0, 1])).toEqual([11, 12]);
  });

  it('refuses only the partitions whose metadata exceeds offset.metadata.max.bytes', async () => {
    const s = await setup({ config: { offsetMetadataMaxBytes: 4 } });
    const result = await s.coordinator.commitOffsets({
      groupId: GROUP,
      generationId: -1,
      memberId: '',
      topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: 1, metadata: 'abcd' }, { partition: 1, offset: 2, metadata: 'abcde' }] }],
    });
    expect(result.topics[0]!.partitions.map((p) => p.error?.kafkaName)).toEqual([undefined, 'OFFSET_METADATA_TOO_LARGE']);
    expect(committed(s, GROUP, [0, 1])).toEqual([1, -1]);
  });
});

describe('commit durability', () => {
  it('answers and exposes a commit only once the append is acknowledged', async () => {
    const s = await setup();
    s.log.autoAck = false;
    const pending = track(s.coordinator.commitOffsets(commit(GROUP, -1, '', { 0: 50 })));
    await flush();
    expect(s.log.pending).toHaveLength(1);
    expect(s.log.pending[0]!.partition).toBe(s.coordinator.partitionFor(GROUP));
    expect(pending.settled).toBe(false);
    expect(committed(s, GROUP, [0])).toEqual([-1]);
    s.log.ackAll();
    await flush();
    expect(pending.value).toBeDefined();
    expect(committed(s, GROUP, [0])).toEqual([50]);
  });

  it('answers UNSTABLE_OFFSET_COMMIT for a partition with a pending commit when stable offsets are required (KIP-447)', async () => {
    const s = await setup();
    await s.coordinator.commitOffsets(commit(GROUP, -1, '', { 0: 10, 1: 20 }));
    s.log.autoAck = false;
    const pending = track(s.coordinator.commitOffsets(commit(GROUP, -1, '', { 0: 50 })));
    await flush();
    const stable = (): unknown[] => s.coordinator.fetchOffsets({ groupId: GROUP, topics: [{ topic: 'orders', partitions: [0, 1] }], requireStable: true }).topics[0]!.partitions;
    expect(stable()).toEqual([
      { partition: 0, offset: -1, leaderEpoch: -1, metadata: '', unstable: true },
      { partition: 1, offset: 20, leaderEpoch: -1, metadata: '' },
    ]);
    // Without require_stable the durable offset is answered, as before.
    expect(committed(s, GROUP, [0])).toEqual([10]);
    s.log.ackAll();
    await flush();
    expect(pending.value).toBeDefined();
    expect(stable()).toEqual([
      { partition: 0, offset: 50, leaderEpoch: -1, metadata: '' },
      { partition: 1, offset: 20, leaderEpoch: -1, metadata: '' },
    ]);
  });

  it('fails the commit when the append fails (NOT_ENOUGH_REPLICAS answered as Kafka does) and keeps the old offset', async () => {
    const s = await setup();
    await s.coordinator.commitOffsets(commit(GROUP, -1, '', { 0: 10 }));
    s.log.autoAck = false;
    const failing = s.coordinator.commitOffsets(commit(GROUP, -1, '', { 0: 20 }));
    s.log.failNext(errors.notEnoughReplicas('isr 1 < min.insync.replicas 2'));
    const error = await expectRejects(failing, 'COORDINATOR_NOT_AVAILABLE');
    expect(error.details['appendError']).toBe('NOT_ENOUGH_REPLICAS');
    expect(committed(s, GROUP, [0])).toEqual([10]);

    const moved = s.coordinator.commitOffsets(commit(GROUP, -1, '', { 0: 30 }));
    s.log.failNext(errors.notLeaderOrFollower('leadership moved'));
    await expectRejects(moved, 'NOT_COORDINATOR');
  });

  it('fails commits still in flight with NOT_COORDINATOR when the partition is unloaded, ignoring their late outcome', async () => {
    const s = await setup();
    s.log.autoAck = false;
    const inFlight = track(s.coordinator.commitOffsets(commit(GROUP, -1, '', { 0: 7 })));
    s.coordinator.unloadPartition(s.coordinator.partitionFor(GROUP));
    await flush();
    expect(inFlight.error?.kafkaName).toBe('NOT_COORDINATOR');
    s.log.ackAll(); // the late acknowledgement changes nothing and throws nothing
    expect(() => s.coordinator.fetchOffsets({ groupId: GROUP, topics: null })).toThrow(/NOT_COORDINATOR/);
  });
});

describe('DeleteGroups', () => {
  it('deletes an Empty group and its offsets with tombstones; refuses non-empty and unknown groups', async () => {
    const s = await setup();
    await s.coordinator.commitOffsets(commit('old', -1, '', { 0: 3, 1: 4 }));
    await formGroup(s, GROUP, 1);
    const results = await s.coordinator.deleteGroups(['old', GROUP, 'missing']);
    expect(results.map((r) => [r.groupId, r.error?.kafkaName])).toEqual([
      ['old', undefined],
      [GROUP, 'NON_EMPTY_GROUP'],
      ['missing', 'GROUP_ID_NOT_FOUND'],
    ]);
    expect(committed(s, 'old', [0, 1])).toEqual([-1, -1]);
    expect(s.coordinator.describeGroup('old').state).toBe('Dead');
    const records = [...offsetsRecordsOfBatches(s.log.bytes(s.coordinator.partitionFor('old')))].map((r) => decodeOffsetsRecord(r));
    expect(records.slice(-3)).toEqual([
      { kind: 'offset-commit', key: { group: 'old', topic: 'orders', partition: 0 }, value: null },
      { kind: 'offset-commit', key: { group: 'old', topic: 'orders', partition: 1 }, value: null },
      { kind: 'group-metadata', group: 'old', value: null },
    ]);
  });
});
