/**
 * A classic group's state: Kafka's five states and their legal transitions, the members, the
 * generation, the leader and the chosen protocol, plus the bookkeeping of the rebalance in
 * progress (members given an id but not yet joined, members that have not yet synced, the timers
 * that bound each phase). The transitions themselves are driven by the rebalance and request
 * logic; this class keeps the data consistent and asserts its invariants.
 */
import { assert } from '../../common/errors.js';
import type { Timer } from '../../common/clock.js';
import type { GroupMember } from './member.js';
import type { GroupState, JoinGroupMember, JoinGroupProtocol } from './types.js';

/** The states a group may enter each state from (Kafka's GroupState.validPreviousStates). */
const VALID_PREVIOUS_STATES: Readonly<Record<GroupState, readonly GroupState[]>> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

/** What bounds the join phase: the initial delay of an empty group, or the rebalance timeout. */
export interface JoinPhaseTimer {
  readonly timer: Timer;
  /** An initial delay never ends early: it waits on purpose for more members. */
  readonly initialDelay: boolean;
}

export class ClassicGroup {
  private currentState: GroupState;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  stateTimestampMs: number;
  /** Insertion order is join order: the oldest member becomes leader when one is needed. */
  readonly members = new Map<string, GroupMember>();
  /** Ids handed out with MEMBER_ID_REQUIRED whose owners have not joined yet, with their expiry. */
  readonly pendingMembers = new Map<string, Timer>();
  /** Members of the new generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** Set when a member joins a brand-new group during its initial delay: the delay restarts. */
  newMemberAdded = false;
  joinPhase: JoinPhaseTimer | undefined;
  pendingSyncTimer: Timer | undefined;

  constructor(
    readonly groupId: string,
    initialState: 'Empty' | 'Stable',
    nowMs: number,
  ) {
    this.currentState = initialState;
    this.stateTimestampMs = nowMs;
  }

  get state(): GroupState {
    return this.currentState;
  }

  is(state: GroupState): boolean {
    return this.currentState === state;
  }

  transitionTo(next: GroupState, nowMs: number): void {
    assert(
      VALID_PREVIOUS_STATES[next].includes(this.currentState),
      `group ${this.groupId} cannot move from ${this.currentState} to ${next}`,
    );
    this.currentState = next;
    this.stateTimestampMs = nowMs;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  member(memberId: string): GroupMember {
    const member = this.members.get(memberId);
    assert(member !== undefined, `group ${this.groupId} has no member ${memberId}`);
    return member;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  add(member: GroupMember, protocolType: string): void {
    assert(!this.members.has(member.memberId), `member ${member.memberId} joined group ${this.groupId} twice`);
    if (this.members.size === 0) this.protocolType = protocolType;
    assert(this.protocolType === protocolType, `member of protocol type ${protocolType} in a ${this.protocolType} group`);
    this.members.set(member.memberId, member);
    this.leaderId ??= member.memberId;
  }

  /** Removes a member; a departing leader is replaced by the oldest remaining member. */
  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (!member) return;
    member.cancelExpiry();
    this.members.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
  }

  /** Every member has sent its JoinGroup for this rebalance and no announced member is still to come. */
  hasAllMembersJoined(): boolean {
    return this.pendingMembers.size === 0 && [...this.members.values()].every((m) => m.awaitingJoin !== undefined);
  }

  notYetRejoinedMembers(): GroupMember[] {
    return [...this.members.values()].filter((m) => m.awaitingJoin === undefined);
  }

  /** The longest rebalance timeout of any member bounds the join phase (0 with no members). */
  rebalanceTimeoutMs(): number {
    let longest = 0;
    for (const m of this.members.values()) longest = Math.max(longest, m.rebalanceTimeoutMs);
    return longest;
  }

  /** Kafka's canRebalance: a rebalance starts from these states (PreparingRebalance already is one). */
  canRebalance(): boolean {
    return this.is('Stable') || this.is('CompletingRebalance') || this.is('Empty');
  }

  /**
   * A joining member fits if the group is empty (it then sets the protocol type) or if it shares
   * the protocol type and at least one protocol with every current member.
   */
  supportsProtocols(protocolType: string, protocols: readonly JoinGroupProtocol[]): boolean {
    if (this.is('Empty')) return protocolType.length > 0 && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    const members = [...this.members.values()];
    return protocols.some((p) => members.every((m) => m.supports(p.name)));
  }

  /**
   * Each member votes for its most preferred protocol among those every member supports; the most
   * voted wins, ties going to the candidate the oldest member prefers.
   */
  selectProtocol(): string {
    const members = [...this.members.values()];
    assert(members.length > 0, `group ${this.groupId} selects a protocol without members`);
    const preference = members[0]!.protocols.map((p) => p.name);
    const candidates = new Set(preference.filter((name) => members.every((m) => m.supports(name))));
    assert(candidates.size > 0, `members of group ${this.groupId} share no protocol`);
    const votes = new Map<string, number>();
    for (const m of members) {
      const choice = m.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = -1;
    for (const name of preference) {
      const count = votes.get(name) ?? 0;
      if (candidates.has(name) && count > bestVotes) [best, bestVotes] = [name, count];
    }
    return best;
  }

  /** Starts the next generation: CompletingRebalance with the chosen protocol, or Empty with no members. */
  initNextGeneration(nowMs: number): void {
    assert(this.joinPhase === undefined, `group ${this.groupId} starts a generation with its join phase still timed`);
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.transitionTo('CompletingRebalance', nowMs);
    } else {
      this.protocolName = null;
      this.transitionTo('Empty', nowMs);
    }
    this.pendingSyncMembers.clear();
  }

  /** What the leader receives in JoinGroup: every member's metadata for the chosen protocol. */
  leaderView(): JoinGroupMember[] {
    const protocol = this.protocolName;
    assert(protocol !== null, `group ${this.groupId} has no protocol to describe its members with`);
    return [...this.members.values()].map((m) => m.describeFor(protocol));
  }

  cancelJoinPhase(): void {
    this.joinPhase?.timer.cancel();
    this.joinPhase = undefined;
  }

  cancelPendingSync(): void {
    this.pendingSyncTimer?.cancel();
    this.pendingSyncTimer = undefined;
    this.pendingSyncMembers.clear();
  }

  /** Stops every timer of the group (members, pending members, phases): the group is unloaded or deleted. */
  cancelAllTimers(): void {
    this.cancelJoinPhase();
    this.cancelPendingSync();
    for (const timer of this.pendingMembers.values()) timer.cancel();
    this.pendingMembers.clear();
    for (const m of this.members.values()) m.cancelExpiry();
  }
}
