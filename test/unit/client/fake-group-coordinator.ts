/**
 * An in-memory stand-in for the brokers' GroupCoordinator service (proto/group.proto), for unit
 * tests of the client. It follows Kafka's classic group protocol closely enough to exercise a real
 * client: MEMBER_ID_REQUIRED on a first join, a join phase that completes when every member has
 * rejoined (or at the rebalance timeout, dropping the rest), the leader's assignment handed out
 * by SyncGroup, heartbeats that announce a rebalance, session expiry, LeaveGroup, and committed
 * offsets checked against member and generation. One broker coordinates every group; the others
 * answer NOT_COORDINATOR. Tests can script error answers per call and force a rebalance.
 */
import * as grpc from '@grpc/grpc-js';
import type {
  DescribeGroupsRequest,
  FindCoordinatorRequest,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  OffsetCommitRequest,
  OffsetFetchRequest,
  SyncGroupRequest,
  SyncGroupResponse,
} from '../../../src/client/group-wire.js';

const NONE = 0;
const NOT_COORDINATOR = 16;
const ILLEGAL_GENERATION = 22;
const INCONSISTENT_GROUP_PROTOCOL = 23;
const UNKNOWN_MEMBER_ID = 25;
const REBALANCE_IN_PROGRESS = 27;
const MEMBER_ID_REQUIRED = 79;
const SESSION_CHECK_INTERVAL_MS = 20;

type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

interface FakeMember {
  memberId: string;
  clientId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: { name: string; metadata: Buffer }[];
  lastHeardMs: number;
  assignment: Buffer;
  joinAnswer: ((response: JoinGroupResponse) => void) | undefined;
  syncAnswer: ((response: SyncGroupResponse) => void) | undefined;
}

export interface FakeGroup {
  groupId: string;
  state: GroupState;
  generationId: number;
  leaderId: string;
  protocol: string;
  members: Map<string, FakeMember>;
  /** Member ids handed out with MEMBER_ID_REQUIRED, not joined yet. */
  pending: Set<string>;
  /** Committed offsets by "topic/partition". */
  offsets: Map<string, number>;
  rebalanceTimer: NodeJS.Timeout | undefined;
  /** The first join of an empty group does not complete before this time (the initial delay). */
  delayedUntilMs: number;
}

/** Returns an error code to answer a call with, or undefined to serve it. */
export type GroupScript = (method: string, request: Record<string, unknown>, brokerId: number) => number | undefined;

export interface GroupCall {
  method: string;
  brokerId: number;
  request: Record<string, unknown>;
}

export class FakeGroupCoordinator {
  coordinatorId = 1;
  /** Kafka's group.initial.rebalance.delay.ms: a join into an empty group waits this long for more members. */
  initialRebalanceDelayMs = 100;
  readonly groups = new Map<string, FakeGroup>();
  readonly calls: GroupCall[] = [];
  script: GroupScript | undefined;
  private nextMemberNumber = 1;
  private readonly sessionTimer: NodeJS.Timeout;

  constructor(private readonly addressOf: (brokerId: number) => { host: string; port: number }) {
    this.sessionTimer = setInterval(() => this.expireSessions(), SESSION_CHECK_INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.sessionTimer);
    for (const group of this.groups.values()) if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
  }

  group(groupId: string): FakeGroup | undefined {
    return this.groups.get(groupId);
  }

  callsOf(method: string): GroupCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  committed(groupId: string, topic: string, partition: number): number | undefined {
    return this.groups.get(groupId)?.offsets.get(`${topic}/${partition}`);
  }

  /** Starts a rebalance as a new member's join would: heartbeats answer REBALANCE_IN_PROGRESS until everyone rejoined. */
  triggerRebalance(groupId: string): void {
    this.prepareRebalance(this.groups.get(groupId)!);
  }

  /** The GroupCoordinator service as broker `brokerId` serves it. */
  serviceFor(brokerId: number): grpc.UntypedServiceImplementation {
    const unary =
      (method: string, handle: (request: never, answer: (response: object) => void) => void) =>
      (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        this.calls.push({ method, brokerId, request: call.request });
        const answer = (response: object): void => cb(null, response);
        const injected = this.script?.(method, call.request, brokerId);
        if (injected !== undefined) return answer({ error_code: injected, error_message: 'injected', member_id: call.request['member_id'] ?? '' });
        const coordinatorOnly = method !== 'FindCoordinator' && method !== 'ListGroups';
        if (coordinatorOnly && brokerId !== this.coordinatorId) return answer({ error_code: NOT_COORDINATOR, error_message: `broker ${brokerId} is not the coordinator` });
        handle(call.request as never, answer);
      };
    return {
      FindCoordinator: unary('FindCoordinator', (_r: FindCoordinatorRequest, answer) => answer({ error_code: NONE, node_id: this.coordinatorId, ...this.addressOf(this.coordinatorId) })),
      JoinGroup: unary('JoinGroup', (r: JoinGroupRequest, answer) => this.join(r, answer)),
      SyncGroup: unary('SyncGroup', (r: SyncGroupRequest, answer) => this.sync(r, answer)),
      Heartbeat: unary('Heartbeat', (r: HeartbeatRequest, answer) => answer({ error_code: this.heartbeat(r) })),
      LeaveGroup: unary('LeaveGroup', (r: LeaveGroupRequest, answer) => answer({ error_code: this.leave(r) })),
      OffsetCommit: unary('OffsetCommit', (r: OffsetCommitRequest, answer) => answer(this.commit(r))),
      OffsetFetch: unary('OffsetFetch', (r: OffsetFetchRequest, answer) => answer(this.fetchOffsets(r))),
      ListGroups: unary('ListGroups', (_r: Record<string, never>, answer) =>
        answer({ error_code: NONE, groups: brokerId === this.coordinatorId ? [...this.groups.values()].map((g) => ({ group_id: g.groupId, protocol_type: 'consumer', state: g.state })) : [] }),
      ),
      DescribeGroups: unary('DescribeGroups', (r: DescribeGroupsRequest, answer) => answer({ groups: r.group_ids.map((id) => this.describe(id)) })),
    };
  }

  private groupFor(groupId: string): FakeGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      group = { groupId, state: 'Empty', generationId: 0, leaderId: '', protocol: '', members: new Map(), pending: new Set(), offsets: new Map(), rebalanceTimer: undefined, delayedUntilMs: 0 };
      this.groups.set(groupId, group);
    }
    return group;
  }

  private join(r: JoinGroupRequest, answer: (response: object) => void): void {
    const group = this.groupFor(r.group_id);
    if (r.member_id === '') {
      const memberId = `${r.client_id}-${this.nextMemberNumber++}`;
      group.pending.add(memberId);
      return answer({ error_code: MEMBER_ID_REQUIRED, member_id: memberId });
    }
    const known = group.members.get(r.member_id);
    if (!known && !group.pending.has(r.member_id)) return answer({ error_code: UNKNOWN_MEMBER_ID, member_id: r.member_id });
    group.pending.delete(r.member_id);
    const member: FakeMember = known ?? {
      memberId: r.member_id,
      clientId: r.client_id,
      sessionTimeoutMs: r.session_timeout_ms,
      rebalanceTimeoutMs: r.rebalance_timeout_ms,
      protocols: [],
      lastHeardMs: Date.now(),
      assignment: Buffer.alloc(0),
      joinAnswer: undefined,
      syncAnswer: undefined,
    };
    member.protocols = r.protocols;
    member.lastHeardMs = Date.now();
    member.joinAnswer = (response) => answer(response);
    group.members.set(member.memberId, member);
    const wasEmpty = group.state === 'Empty';
    if (group.state !== 'PreparingRebalance') this.prepareRebalance(group);
    if (wasEmpty) {
      // As Kafka's group.initial.rebalance.delay.ms: give other first members a moment to join too.
      if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
      group.delayedUntilMs = Date.now() + this.initialRebalanceDelayMs;
      group.rebalanceTimer = setTimeout(() => this.completeJoin(group), this.initialRebalanceDelayMs);
      return;
    }
    this.maybeCompleteJoin(group);
  }

  private prepareRebalance(group: FakeGroup): void {
    if (group.state === 'CompletingRebalance') {
      for (const member of group.members.values()) {
        member.syncAnswer?.({ error_code: REBALANCE_IN_PROGRESS, error_message: 'rebalance', assignment: Buffer.alloc(0) });
        member.syncAnswer = undefined;
      }
    }
    group.state = 'PreparingRebalance';
    if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    const timeoutMs = Math.max(0, ...[...group.members.values()].map((m) => m.rebalanceTimeoutMs));
    group.rebalanceTimer = setTimeout(() => this.completeJoin(group), timeoutMs);
  }

  private maybeCompleteJoin(group: FakeGroup): void {
    if (Date.now() < group.delayedUntilMs) return;
    if (group.state === 'PreparingRebalance' && [...group.members.values()].every((m) => m.joinAnswer)) this.completeJoin(group);
  }

  private completeJoin(group: FakeGroup): void {
    if (group.state !== 'PreparingRebalance') return;
    if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = undefined;
    // Members that did not rejoin within the rebalance timeout are dropped, as Kafka does.
    for (const [id, member] of group.members) if (!member.joinAnswer) group.members.delete(id);
    group.generationId++;
    if (group.members.size === 0) {
      group.state = 'Empty';
      return;
    }
    const members = [...group.members.values()];
    const protocol = members[0]!.protocols.map((p) => p.name).find((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
    if (!protocol) {
      for (const member of members) member.joinAnswer!({ error_code: INCONSISTENT_GROUP_PROTOCOL, error_message: 'no common protocol' } as JoinGroupResponse);
      group.members.clear();
      group.state = 'Empty';
      return;
    }
    group.protocol = protocol;
    if (!group.members.has(group.leaderId)) group.leaderId = members[0]!.memberId;
    group.state = 'CompletingRebalance';
    const metadata = members.map((m) => ({ member_id: m.memberId, metadata: m.protocols.find((p) => p.name === protocol)!.metadata }));
    for (const member of members) {
      const answer = member.joinAnswer!;
      member.joinAnswer = undefined;
      member.lastHeardMs = Date.now();
      answer({
        error_code: NONE,
        error_message: '',
        generation_id: group.generationId,
        protocol_name: protocol,
        leader_id: group.leaderId,
        member_id: member.memberId,
        members: member.memberId === group.leaderId ? metadata : [],
      });
    }
  }

  private sync(r: SyncGroupRequest, answer: (response: object) => void): void {
    const group = this.groups.get(r.group_id);
    const member = group?.members.get(r.member_id);
    if (!group || !member) return answer({ error_code: UNKNOWN_MEMBER_ID });
    if (r.generation_id !== group.generationId) return answer({ error_code: ILLEGAL_GENERATION });
    if (group.state === 'PreparingRebalance') return answer({ error_code: REBALANCE_IN_PROGRESS });
    member.lastHeardMs = Date.now();
    if (group.state === 'Stable') return answer({ error_code: NONE, assignment: member.assignment });
    member.syncAnswer = (response) => answer(response);
    if (r.member_id === group.leaderId) {
      for (const m of group.members.values()) m.assignment = r.assignments.find((a) => a.member_id === m.memberId)?.assignment ?? Buffer.alloc(0);
      group.state = 'Stable';
    }
    if (group.state !== 'Stable') return;
    for (const m of group.members.values()) {
      m.syncAnswer?.({ error_code: NONE, error_message: '', assignment: m.assignment });
      m.syncAnswer = undefined;
    }
  }

  private heartbeat(r: HeartbeatRequest): number {
    const group = this.groups.get(r.group_id);
    const member = group?.members.get(r.member_id);
    if (!group || !member) return UNKNOWN_MEMBER_ID;
    if (r.generation_id !== group.generationId) return ILLEGAL_GENERATION;
    member.lastHeardMs = Date.now();
    return group.state === 'PreparingRebalance' ? REBALANCE_IN_PROGRESS : NONE;
  }

  private leave(r: LeaveGroupRequest): number {
    const group = this.groups.get(r.group_id);
    if (!group) return UNKNOWN_MEMBER_ID;
    for (const id of r.member_ids) this.removeMember(group, id);
    return NONE;
  }

  private removeMember(group: FakeGroup, memberId: string): void {
    const member = group.members.get(memberId);
    if (!member) return;
    group.members.delete(memberId);
    member.joinAnswer?.({ error_code: UNKNOWN_MEMBER_ID } as JoinGroupResponse);
    member.syncAnswer?.({ error_code: UNKNOWN_MEMBER_ID, error_message: '', assignment: Buffer.alloc(0) });
    if (group.members.size === 0) {
      if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
      group.rebalanceTimer = undefined;
      group.state = 'Empty';
      group.generationId++;
      return;
    }
    if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
    else this.prepareRebalance(group);
  }

  private expireSessions(): void {
    const nowMs = Date.now();
    for (const group of this.groups.values()) {
      if (group.state !== 'Stable' && group.state !== 'CompletingRebalance') continue;
      for (const member of [...group.members.values()]) {
        if (nowMs - member.lastHeardMs > member.sessionTimeoutMs) this.removeMember(group, member.memberId);
      }
    }
  }

  private commit(r: OffsetCommitRequest): object {
    const group = this.groupFor(r.group_id);
    const refuse = (code: number) => ({ error_code: code, error_message: '', offsets: [] });
    if (!(r.generation_id < 0 && group.state === 'Empty')) {
      if (group.state === 'CompletingRebalance') return refuse(REBALANCE_IN_PROGRESS);
      if (!group.members.has(r.member_id)) return refuse(UNKNOWN_MEMBER_ID);
      if (r.generation_id !== group.generationId) return refuse(ILLEGAL_GENERATION);
    }
    for (const o of r.offsets) group.offsets.set(`${o.topic}/${o.partition}`, o.offset);
    return { error_code: NONE, offsets: r.offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, error_code: NONE })) };
  }

  private fetchOffsets(r: OffsetFetchRequest): object {
    const group = this.groups.get(r.group_id);
    const stored = [...(group?.offsets ?? new Map<string, number>())].map(([key, offset]) => {
      const cut = key.lastIndexOf('/');
      return { topic: key.slice(0, cut), partition: Number(key.slice(cut + 1)), offset };
    });
    const asked = r.topics.length === 0 ? stored : r.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition, offset: group?.offsets.get(`${t.topic}/${partition}`) ?? -1 })));
    return { error_code: NONE, offsets: asked.map((o) => ({ ...o, error_code: NONE })) };
  }

  private describe(groupId: string): object {
    const group = this.groups.get(groupId);
    if (!group) return { error_code: NONE, group_id: groupId, state: 'Dead', members: [] };
    const stable = group.state === 'Stable';
    return {
      error_code: NONE,
      group_id: groupId,
      state: group.state,
      protocol_type: 'consumer',
      protocol: stable ? group.protocol : '',
      generation_id: group.generationId,
      members: [...group.members.values()].map((m) => ({
        member_id: m.memberId,
        client_id: m.clientId,
        client_host: '/127.0.0.1',
        metadata: stable ? m.protocols.find((p) => p.name === group.protocol)!.metadata : Buffer.alloc(0),
        assignment: stable ? m.assignment : Buffer.alloc(0),
      })),
    };
  }
}
