import { describe, expect, it } from 'vitest';
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
  type FormedGroup,
  type Setup,
} from './harness.js';

const GROUP = 'billing';

function heartbeat(s: Setup, memberId: string, generationId: number): void {
  s.coordinator.heartbeat({ groupId: GROUP, memberId, generationId });
}

function rejoin(s: Setup, g: FormedGroup, memberId: string) {
  return track(s.coordinator.joinGroup(joinRequest(GROUP, { memberId, clientId: `consumer-${g.memberIds.indexOf(memberId)}` })));
}

describe('a member leaving', () => {
  it('starts a rebalance: the others get REBALANCE_IN_PROGRESS, rejoin, and form a new generation without it', async () => {
    const s = await setup();
    const g = await formGroup(s, GROUP, 3);
    const [leaving, ...staying] = g.memberIds as [string, string, string];

    const left = s.coordinator.leaveGroup({ groupId: GROUP, memberIds: [leaving] });
    expect(left.members).toEqual([{ memberId: leaving }]);
    expect(s.coordinator.describeGroup(GROUP).state).toBe('PreparingRebalance');
    for (const id of staying) expectThrows(() => heartbeat(s, id, g.generationId), 'REBALANCE_IN_PROGRESS');
    expectThrows(() => heartbeat(s, leaving, g.generationId), 'UNKNOWN_MEMBER_ID');

    const first = rejoin(s, g, staying[0]);
    await flush();
    expect(first.settled).toBe(false); // waits for the other member
    const second = rejoin(s, g, staying[1]);
    await flush();
    for (const join of [first, second]) expect(join.value!.generationId).toBe(g.generationId + 1);
    // The departed member led the group: the oldest remaining member leads now.
    expect(first.value!.leaderId).toBe(staying[0]);
    expect(first.value!.members.map((m) => m.memberId)).toEqual(staying);
    expect(s.coordinator.describeGroup(GROUP)).toMatchObject({ state: 'CompletingRebalance', generationId: g.generationId + 1 });
    expectThrows(() => heartbeat(s, staying[1], g.generationId), 'ILLEGAL_GENERATION');
  });

  it('answers UNKNOWN_MEMBER_ID for members it does not know, per member', async () => {
    const s = await setup();
    const g = await formGroup(s, GROUP, 1);
    const result = s.coordinator.leaveGroup({ groupId: GROUP, memberIds: ['ghost', g.memberIds[0]!] });
    expect(result.members.map((m) => [m.memberId, m.error?.kafkaName])).toEqual([['ghost', 'UNKNOWN_MEMBER_ID'], [g.memberIds[0], undefined]]);
    expect(s.coordinator.leaveGroup({ groupId: 'other', memberIds: ['x'] }).members[0]!.error?.kafkaName).toBe('UNKNOWN_MEMBER_ID');
  });

  it('leaves an Empty group in a new generation when the last member leaves', async () => {
    const s = await setup();
    const g = await formGroup(s, GROUP, 1);
    s.coordinator.leaveGroup({ groupId: GROUP, memberIds: g.memberIds });
    expect(s.coordinator.describeGroup(GROUP)).toMatchObject({ state: 'Empty', generationId: g.generationId + 1, members: [] });
  });
});

describe('session timeouts', () => {
  it('evicts a member that stops heartbeating after session.timeout.ms and not before', async () => {
    const s = await setup();
    const g = await formGroup(s, GROUP, 2);
    const [alive, silent] = g.memberIds as [string, string];
    // formGroup's SyncGroup restarted both sessions at the current time.
    const keepAlive = (ms: number): void => {
      for (let t = 0; t < ms; t += 1000) {
        s.clock.advance(Math.min(1000, ms - t));
        heartbeat(s, alive, g.generationId);
      }
    };
    keepAlive(SESSION_MS - 1);
    expect(s.coordinator.describeGroup(GROUP).members).toHaveLength(2);
    expect(s.coordinator.describeGroup(GROUP).state).toBe('Stable');
    s.clock.advance(1);
    expect(s.coordinator.describeGroup(GROUP).members.map((m) => m.memberId)).toEqual([alive]);
    expect(s.coordinator.describeGroup(GROUP).state).toBe('PreparingRebalance');
    expectThrows(() => heartbeat(s, silent, g.generationId), 'UNKNOWN_MEMBER_ID');
    expectThrows(() => heartbeat(s, alive, g.generationId), 'REBALANCE_IN_PROGRESS');
  });

  it('restarts the session on every heartbeat, so a member heartbeating just in time stays', async () => {
    const s = await setup();
    const g = await formGroup(s, GROUP, 1);
    for (let i = 0; i < 5; i++) {
      s.clock.advance(SESSION_MS - 1);
      heartbeat(s, g.memberIds[0]!, g.generationId);
    }
    expect(s.coordinator.describeGroup(GROUP)).toMatchObject({ state: 'Stable', members: [{ memberId: g.memberIds[0] }] });
  });

  it('drops members that do not rejoin within the rebalance timeout and completes without them', async () => {
    const s = await setup();
    const g = await formGroup(s, GROUP, 3);
    const [a, b, c] = g.memberIds as [string, string, string];
    const joinA = rejoin(s, g, a); // the leader rejoins: a rebalance starts
    // b keeps heartbeating (it sees REBALANCE_IN_PROGRESS) but never rejoins; c goes silent.
    for (let t = 0; t < REBALANCE_MS - 1000; t += 1000) {
      s.clock.advance(1000);
      expectThrows(() => heartbeat(s, b, g.generationId), 'REBALANCE_IN_PROGRESS');
    }
    // c's session ran out meanwhile; b is still a member until the join phase ends.
    expect(s.coordinator.describeGroup(GROUP).members.map((m) => m.memberId)).toEqual([a, b]);
    await flush();
    expect(joinA.settled).toBe(false);
    s.clock.advance(1000);
    await flush();
    expect(joinA.value).toMatchObject({ generationId: g.generationId + 1, leaderId: a, members: [{ memberId: a }] });
    expect(s.coordinator.describeGroup(GROUP).members.map((m) => m.memberId)).toEqual([a]);
    expectThrows(() => heartbeat(s, c, g.generationId), 'UNKNOWN_MEMBER_ID');
  });

  it('does not expire a member while it waits in JoinGroup', async () => {
    const s = await setup();
    const g = await formGroup(s, GROUP, 2);
    const [a, b] = g.memberIds as [string, string];
    const joinA = rejoin(s, g, a);
    // a waits in JoinGroup, silent, for twice its session; b heartbeats and takes its time to rejoin.
    for (let t = 0; t < SESSION_MS * 2; t += 1000) {
      s.clock.advance(1000);
      expectThrows(() => heartbeat(s, b, g.generationId), 'REBALANCE_IN_PROGRESS');
    }
    expect(s.coordinator.describeGroup(GROUP).members.map((m) => m.memberId)).toEqual([a, b]);
    const joinB = rejoin(s, g, b);
    await flush();
    expect(joinA.value!.members.map((m) => m.memberId)).toEqual([a, b]);
    expect(joinB.value!.generationId).toBe(g.generationId + 1);
  });

  it('removes a new member whose first rebalance never completes within groupNewMemberJoinTimeoutMs', async () => {
    const s = await setup({ config: { groupNewMemberJoinTimeoutMs: 5000 } });
    const g = await formGroup(s, GROUP, 1);
    const stuckJoin = track(s.coordinator.joinGroup(joinRequest(GROUP, { clientId: 'newcomer' })));
    // The existing member never rejoins but heartbeats, so the join phase lasts the rebalance timeout.
    for (let t = 0; t < 5000; t += 1000) {
      s.clock.advance(1000);
      expectThrows(() => heartbeat(s, g.memberIds[0]!, g.generationId), 'REBALANCE_IN_PROGRESS');
    }
    await flush();
    expect(stuckJoin.error?.kafkaName).toBe('UNKNOWN_MEMBER_ID');
    expect(s.coordinator.describeGroup(GROUP).members.map((m) => m.memberId)).toEqual(g.memberIds);
  });
});

describe('leadership of the offsets partition moving away', () => {
  it('answers waiting JoinGroup and SyncGroup requests NOT_COORDINATOR, and later requests too', async () => {
    const s = await setup();
    const g = await formGroup(s, GROUP, 2);
    const [a, b] = g.memberIds as [string, string];
    const join = rejoin(s, g, a);
    s.coordinator.unloadPartition(s.coordinator.partitionFor(GROUP));
    await flush();
    expect(join.error?.kafkaName).toBe('NOT_COORDINATOR');
    expectThrows(() => heartbeat(s, b, g.generationId), 'NOT_COORDINATOR');
    await expectRejects(s.coordinator.joinGroup(joinRequest(GROUP)), 'NOT_COORDINATOR');
    // Nothing of the group is left running.
    expect(s.clock.pendingCount()).toBe(0);
  });
});
