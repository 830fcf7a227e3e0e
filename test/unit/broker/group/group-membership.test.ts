import { describe, expect, it } from 'vitest';
import { errors } from '../../../../src/common/errors.js';
import {
  decodeAssignment,
  encodeSubscription,
  type JoinGroupResult,
} from '../../../../src/broker/group/index.js';
import {
  REBALANCE_MS,
  SESSION_MS,
  expectRejects,
  expectThrows,
  flush,
  formGroup,
  joinRequest,
  setup,
  track,
} from './harness.js';

const GROUP = 'billing';

describe('a full join / sync / heartbeat cycle', () => {
  it('three consumers join within the initial delay, get one generation, and receive the leader assignment', async () => {
    const s = await setup({ config: { groupInitialRebalanceDelayMs: 3000 } });
    const joins = [track(s.coordinator.joinGroup(joinRequest(GROUP, { clientId: 'consumer-0' })))];
    expect(s.coordinator.describeGroup(GROUP).state).toBe('PreparingRebalance');
    s.clock.advance(1000);
    for (const i of [1, 2]) joins.push(track(s.coordinator.joinGroup(joinRequest(GROUP, { clientId: `consumer-${i}` }))));

    // group.initial.rebalance.delay.ms: members arriving during the delay buy another delay, so the
    // first generation forms 3 s after the delay they arrived in ended (t = 6 s), not at 3 s.
    s.clock.advance(4999);
    await flush();
    expect(joins.some((j) => j.settled)).toBe(false);
    s.clock.advance(1);
    await flush();

    const results = joins.map((j) => j.value!);
    expect(results.map((r) => r.generationId)).toEqual([1, 1, 1]);
    expect(new Set(results.map((r) => r.memberId)).size).toBe(3);
    for (const r of results) expect(r.memberId).toMatch(/^consumer-\d-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const leader = results.find((r) => r.memberId === r.leaderId)!;
    // The first member to join leads; only the leader learns the members and their metadata.
    expect(leader.memberId).toBe(results[0]!.memberId);
    expect(leader.members.map((m) => m.memberId)).toEqual(results.map((r) => r.memberId));
    for (const r of results) {
      expect(r.protocolName).toBe('range');
      expect(r.leaderId).toBe(leader.memberId);
      if (r !== leader) expect(r.members).toEqual([]);
    }
    expect(s.coordinator.describeGroup(GROUP).state).toBe('CompletingRebalance');

    // Followers sync first and wait for the leader.
    const [f1, f2] = results.filter((r) => r !== leader);
    const followerSyncs = [f1!, f2!].map((f) => track(s.coordinator.syncGroup({ groupId: GROUP, generationId: 1, memberId: f.memberId, assignments: [] })));
    await flush();
    expect(followerSyncs.some((x) => x.settled)).toBe(false);

    const assignments = results.map((r, i) => ({
      memberId: r.memberId,
      assignment: Buffer.from(`assignment-${i}`),
    }));
    const leaderSync = track(s.coordinator.syncGroup({ groupId: GROUP, generationId: 1, memberId: leader.memberId, assignments }));
    await flush();
    expect(leaderSync.value!.assignment.toString()).toBe('assignment-0');
    expect(followerSyncs.map((x) => x.value!.assignment.toString())).toEqual(['assignment-1', 'assignment-2']);
    expect(leaderSync.value!.protocolName).toBe('range');

    const description = s.coordinator.describeGroup(GROUP);
    expect(description).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocol: 'range', generationId: 1, leaderId: leader.memberId });
    expect(description.members.map((m) => [m.clientId, m.assignment.toString()])).toEqual([
      ['consumer-0', 'assignment-0'],
      ['consumer-1', 'assignment-1'],
      ['consumer-2', 'assignment-2'],
    ]);

    // Heartbeats keep everyone in, long past the session timeout.
    for (let t = 0; t < 10; t++) {
      s.clock.advance(SESSION_MS / 2);
      for (const r of results) s.coordinator.heartbeat({ groupId: GROUP, memberId: r.memberId, generationId: 1 });
    }
    expect(s.coordinator.describeGroup(GROUP).members).toHaveLength(3);
    expectThrows(() => s.coordinator.heartbeat({ groupId: GROUP, memberId: leader.memberId, generationId: 0 }), 'ILLEGAL_GENERATION');
    expectThrows(() => s.coordinator.heartbeat({ groupId: GROUP, memberId: 'stranger', generationId: 1 }), 'UNKNOWN_MEMBER_ID');
  });

  it('hands a range assignment through to the members, decodable as ConsumerProtocol bytes', async () => {
    const s = await setup();
    const group = await formGroup(s, GROUP, 3);
    const owned = group.memberIds.map((id) => decodeAssignment(group.assignments.get(id)!).partitions);
    expect(owned.flatMap((tps) => tps.flatMap((tp) => tp.partitions)).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(owned.every((tps) => tps[0]!.partitions.length === 2)).toBe(true);
  });

  it('answers a member the leader left out with an empty assignment', async () => {
    const s = await setup();
    const joins = [0, 1].map((i) => track(s.coordinator.joinGroup(joinRequest(GROUP, { clientId: `c${i}` }))));
    s.clock.advance(0);
    await flush();
    const [leader, follower] = joins.map((j) => j.value!) as [JoinGroupResult, JoinGroupResult];
    const followerSync = track(s.coordinator.syncGroup({ groupId: GROUP, generationId: 1, memberId: follower.memberId, assignments: [] }));
    await s.coordinator.syncGroup({ groupId: GROUP, generationId: 1, memberId: leader.memberId, assignments: [{ memberId: leader.memberId, assignment: Buffer.from('all') }] });
    await flush();
    expect(followerSync.value!.assignment).toEqual(Buffer.alloc(0));
  });
});

describe('JoinGroup', () => {
  it('answers a first v4+ join MEMBER_ID_REQUIRED with an id, and admits the rejoin with it', async () => {
    const s = await setup();
    const refused = await expectRejects(s.coordinator.joinGroup(joinRequest(GROUP, { requireKnownMemberId: true })), 'MEMBER_ID_REQUIRED');
    const memberId = refused.details['memberId'] as string;
    expect(memberId).toMatch(/^client-/);
    expect(s.coordinator.describeGroup(GROUP).members).toEqual([]);

    const join = track(s.coordinator.joinGroup(joinRequest(GROUP, { memberId, requireKnownMemberId: true })));
    s.clock.advance(0);
    await flush();
    expect(join.value).toMatchObject({ memberId, generationId: 1, leaderId: memberId });
  });

  it('forgets a pending member id that is not used within the session timeout', async () => {
    const s = await setup();
    const refused = await expectRejects(s.coordinator.joinGroup(joinRequest(GROUP, { requireKnownMemberId: true })), 'MEMBER_ID_REQUIRED');
    s.clock.advance(SESSION_MS);
    await expectRejects(s.coordinator.joinGroup(joinRequest(GROUP, { memberId: refused.details['memberId'] as string })), 'UNKNOWN_MEMBER_ID');
  });

  it('refuses a member that shares no protocol with the group (INCONSISTENT_GROUP_PROTOCOL)', async () => {
    const s = await setup();
    await formGroup(s, GROUP, 1);
    const other = joinRequest(GROUP, { protocols: [{ name: 'RoundRobinAssigner', metadata: encodeSubscription({ topics: ['orders'] }) }] });
    await expectRejects(s.coordinator.joinGroup(other), 'INCONSISTENT_GROUP_PROTOCOL');
    await expectRejects(s.coordinator.joinGroup(joinRequest(GROUP, { protocolType: 'connect' })), 'INCONSISTENT_GROUP_PROTOCOL');
  });

  it('chooses the protocol most members prefer among those all support', async () => {
    const s = await setup();
    const meta = encodeSubscription({ topics: ['orders'] });
    const prefs = [['roundrobin', 'range'], ['range', 'roundrobin'], ['roundrobin', 'range', 'sticky']];
    const joins = prefs.map((names) => track(s.coordinator.joinGroup(joinRequest(GROUP, { protocols: names.map((name) => ({ name, metadata: meta })) }))));
    s.clock.advance(0);
    await flush();
    expect(joins.map((j) => j.value!.protocolName)).toEqual(['roundrobin', 'roundrobin', 'roundrobin']);
  });

  it('refuses session timeouts outside group.min/max.session.timeout.ms', async () => {
    const s = await setup({ config: { groupMinSessionTimeoutMs: 6000, groupMaxSessionTimeoutMs: 30_000 } });
    await expectRejects(s.coordinator.joinGroup(joinRequest(GROUP, { sessionTimeoutMs: 5999 })), 'INVALID_SESSION_TIMEOUT');
    await expectRejects(s.coordinator.joinGroup(joinRequest(GROUP, { sessionTimeoutMs: 30_001 })), 'INVALID_SESSION_TIMEOUT');
    const ok = track(s.coordinator.joinGroup(joinRequest(GROUP, { sessionTimeoutMs: 6000 })));
    s.clock.advance(0);
    await flush();
    expect(ok.value?.generationId).toBe(1);
  });

  it('refuses an empty group id and an unknown member of a group that does not exist', async () => {
    const s = await setup();
    await expectRejects(s.coordinator.joinGroup(joinRequest('')), 'INVALID_GROUP_ID');
    await expectRejects(s.coordinator.joinGroup(joinRequest('nobody-here', { memberId: 'ghost' })), 'UNKNOWN_MEMBER_ID');
    expect(s.coordinator.describeGroup('nobody-here').state).toBe('Dead');
  });

  it('answers a follower that rejoins with unchanged metadata at once, without a rebalance', async () => {
    const s = await setup();
    const group = await formGroup(s, GROUP, 2);
    const follower = group.memberIds.find((id) => id !== group.leaderId)!;
    const rejoin = await s.coordinator.joinGroup(joinRequest(GROUP, { memberId: follower, clientId: 'consumer-1' }));
    expect(rejoin).toMatchObject({ memberId: follower, generationId: group.generationId, members: [] });
    expect(s.coordinator.describeGroup(GROUP).state).toBe('Stable');
  });

  it('starts a rebalance when the leader rejoins, and completes it once everyone has rejoined', async () => {
    const s = await setup();
    const group = await formGroup(s, GROUP, 2);
    const follower = group.memberIds.find((id) => id !== group.leaderId)!;
    const leaderJoin = track(s.coordinator.joinGroup(joinRequest(GROUP, { memberId: group.leaderId, clientId: 'consumer-0' })));
    await flush();
    expect(leaderJoin.settled).toBe(false);
    expectThrows(() => s.coordinator.heartbeat({ groupId: GROUP, memberId: follower, generationId: group.generationId }), 'REBALANCE_IN_PROGRESS');
    const followerJoin = track(s.coordinator.joinGroup(joinRequest(GROUP, { memberId: follower, clientId: 'consumer-1' })));
    await flush();
    expect(leaderJoin.value!.generationId).toBe(group.generationId + 1);
    expect(followerJoin.value!.generationId).toBe(group.generationId + 1);
    expect(leaderJoin.value!.members).toHaveLength(2);
  });
});

describe('SyncGroup', () => {
  it('refuses a wrong generation, an unknown member, and a sync while the group prepares a rebalance', async () => {
    const s = await setup();
    const group = await formGroup(s, GROUP, 2);
    await expectRejects(s.coordinator.syncGroup({ groupId: GROUP, generationId: 99, memberId: group.leaderId, assignments: [] }), 'ILLEGAL_GENERATION');
    await expectRejects(s.coordinator.syncGroup({ groupId: GROUP, generationId: 1, memberId: 'ghost', assignments: [] }), 'UNKNOWN_MEMBER_ID');
    await expectRejects(s.coordinator.syncGroup({ groupId: 'no-such-group', generationId: 1, memberId: 'ghost', assignments: [] }), 'UNKNOWN_MEMBER_ID');
    await expectRejects(
      s.coordinator.syncGroup({ groupId: GROUP, generationId: 1, memberId: group.leaderId, protocolName: 'roundrobin', assignments: [] }),
      'INCONSISTENT_GROUP_PROTOCOL',
    );
    track(s.coordinator.joinGroup(joinRequest(GROUP, { memberId: group.leaderId, clientId: 'consumer-0' })));
    await expectRejects(s.coordinator.syncGroup({ groupId: GROUP, generationId: 1, memberId: group.leaderId, assignments: [] }), 'REBALANCE_IN_PROGRESS');
  });

  it('fails every waiting SyncGroup when the assignment cannot be stored, and starts a new rebalance', async () => {
    const s = await setup();
    const joins = [0, 1].map((i) => track(s.coordinator.joinGroup(joinRequest(GROUP, { clientId: `c${i}` }))));
    s.clock.advance(0);
    await flush();
    const [leader, follower] = joins.map((j) => j.value!) as [JoinGroupResult, JoinGroupResult];
    s.log.autoAck = false;
    const followerSync = track(s.coordinator.syncGroup({ groupId: GROUP, generationId: 1, memberId: follower.memberId, assignments: [] }));
    const leaderSync = track(s.coordinator.syncGroup({ groupId: GROUP, generationId: 1, memberId: leader.memberId, assignments: [] }));
    await flush();
    expect(leaderSync.settled).toBe(false); // waiting for acks=all
    s.log.failNext(errors.notEnoughReplicas('isr too small'));
    await flush();
    expect(leaderSync.error?.kafkaName).toBe('COORDINATOR_NOT_AVAILABLE');
    expect(followerSync.error?.kafkaName).toBe('COORDINATOR_NOT_AVAILABLE');
    expect(s.coordinator.describeGroup(GROUP)).toMatchObject({ state: 'PreparingRebalance', generationId: 1 });
  });

  it('bounds a follower waiting for a leader that heartbeats but never syncs: the leader is removed after the rebalance timeout', async () => {
    const s = await setup();
    const joins = [0, 1].map((i) => track(s.coordinator.joinGroup(joinRequest(GROUP, { clientId: `c${i}` }))));
    s.clock.advance(0);
    await flush();
    const [leader, follower] = joins.map((j) => j.value!) as [JoinGroupResult, JoinGroupResult];
    const sync = track(s.coordinator.syncGroup({ groupId: GROUP, generationId: 1, memberId: follower.memberId, assignments: [] }));
    // Both stay alive (the leader is stuck computing its assignment), so only the pending-sync timer can end this.
    for (let t = 0; t < REBALANCE_MS / 1000 - 1; t++) {
      s.clock.advance(1000);
      s.coordinator.heartbeat({ groupId: GROUP, memberId: follower.memberId, generationId: 1 });
      s.coordinator.heartbeat({ groupId: GROUP, memberId: leader.memberId, generationId: 1 });
    }
    await flush();
    expect(sync.settled).toBe(false);
    s.clock.advance(1000);
    await flush();
    expect(sync.error?.kafkaName).toBe('REBALANCE_IN_PROGRESS');
    const description = s.coordinator.describeGroup(GROUP);
    expect(description.state).toBe('PreparingRebalance');
    expect(description.members.map((m) => m.memberId)).toEqual([follower.memberId]);
    expectThrows(() => s.coordinator.heartbeat({ groupId: GROUP, memberId: leader.memberId, generationId: 1 }), 'UNKNOWN_MEMBER_ID');
  });
});
