/**
 * The rebalance cycle of a classic group, driven by requests and timers:
 *
 *   Empty/Stable/CompletingRebalance --(join, leave, expiry)--> PreparingRebalance
 *   PreparingRebalance --(all members rejoined, or the rebalance timeout)--> CompletingRebalance
 *     (next generation, protocol chosen, JoinGroup answered) or Empty (nobody left)
 *   CompletingRebalance --(leader's assignment durably stored)--> Stable (SyncGroup answered)
 *
 * Every wait is bounded by a timer: the join phase by the longest rebalance timeout (or the initial
 * delay of an empty group), SyncGroup by the same timeout (members that never sync are removed),
 * a member's liveness by its session timeout, a new member's first join by
 * groupNewMemberJoinTimeoutMs, an id handed out with MEMBER_ID_REQUIRED by the session timeout.
 */
import { assert, errors, type BrokerError } from '../../common/errors.js';
import type { Clock } from '../../common/clock.js';
import type { Logger } from '../../common/logger.js';
import type { ClassicGroup } from './group.js';
import type { GroupMember } from './member.js';
import type { GroupCoordinatorConfig } from './types.js';

const NO_ASSIGNMENT = Buffer.alloc(0);

export interface RebalanceContext {
  readonly clock: Clock;
  readonly config: GroupCoordinatorConfig;
  readonly logger: Logger;
  /**
   * Persists the group (members, generation, these assignments) to the log; `done` runs once,
   * with no error when the record is durable.
   */
  storeGroup(group: ClassicGroup, assignments: ReadonlyMap<string, Buffer>, done: (error?: BrokerError) => void): void;
}

export class Rebalancer {
  constructor(private readonly ctx: RebalanceContext) {}

  /** (Re)starts a member's liveness timer: it must show up again within `timeoutMs`. */
  touch(group: ClassicGroup, member: GroupMember, timeoutMs = member.sessionTimeoutMs): void {
    member.cancelExpiry();
    member.expiry = this.ctx.clock.schedule(timeoutMs, () => this.onMemberExpired(group, member));
  }

  /** Remembers an id handed out with MEMBER_ID_REQUIRED until its owner joins or its session lapses. */
  addPendingMember(group: ClassicGroup, memberId: string, sessionTimeoutMs: number): void {
    const timer = this.ctx.clock.schedule(sessionTimeoutMs, () => {
      if (group.pendingMembers.get(memberId) !== timer) return;
      group.pendingMembers.delete(memberId);
      this.tryCompleteJoin(group);
    });
    group.pendingMembers.set(memberId, timer);
  }

  /** The owner of a pending id joined or left: it no longer holds up the join phase. */
  removePendingMember(group: ClassicGroup, memberId: string): void {
    group.pendingMembers.get(memberId)?.cancel();
    group.pendingMembers.delete(memberId);
    this.tryCompleteJoin(group);
  }

  maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.canRebalance()) this.prepareRebalance(group, reason);
  }

  /** Ends the join phase early once every member has rejoined (never during an initial delay). */
  tryCompleteJoin(group: ClassicGroup): void {
    if (group.is('PreparingRebalance') && group.joinPhase && !group.joinPhase.initialDelay && group.hasAllMembersJoined()) {
      this.completeJoin(group);
    }
  }

  /** A member leaves (LeaveGroup, expiry): whoever it was waiting for is told it is unknown now. */
  removeMemberAndUpdateGroup(group: ClassicGroup, member: GroupMember, reason: string): void {
    this.dropMember(group, member, errors.unknownMemberId(`member ${member.memberId} was removed: ${reason}`));
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.maybePrepareRebalance(group, `member ${member.memberId} removed: ${reason}`);
        break;
      case 'PreparingRebalance':
        this.tryCompleteJoin(group);
        break;
      case 'Empty':
      case 'Dead':
        break;
    }
  }

  /** A member sent SyncGroup: once all have, nobody is left to expire for not syncing. */
  markSynced(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) group.cancelPendingSync();
  }

  /** The leader's assignment is durable: hand each waiting member its share. */
  setAndPropagateAssignment(group: ClassicGroup, assignments: ReadonlyMap<string, Buffer>): void {
    for (const member of group.members.values()) member.assignment = assignments.get(member.memberId) ?? NO_ASSIGNMENT;
    this.propagateAssignment(group);
  }

  /** The assignment will not take effect (a new rebalance, a failed write): waiting members get `error`. */
  resetAndPropagateAssignmentError(group: ClassicGroup, error: BrokerError): void {
    for (const member of group.members.values()) member.assignment = NO_ASSIGNMENT;
    this.propagateAssignment(group, error);
  }

  /** Leadership of the partition moved: every waiting member is told to find the new coordinator. */
  unload(group: ClassicGroup): void {
    group.cancelAllTimers();
    const error = errors.notCoordinator(`group ${group.groupId} moved to another coordinator`);
    for (const member of group.members.values()) this.failWaiters(member, error);
    group.transitionTo('Dead', this.ctx.clock.now());
  }

  private prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is('CompletingRebalance')) {
      this.resetAndPropagateAssignmentError(group, errors.rebalanceInProgress(`group ${group.groupId} is rebalancing`));
    }
    group.cancelPendingSync();
    const fromEmpty = group.is('Empty');
    group.transitionTo('PreparingRebalance', this.ctx.clock.now());
    this.ctx.logger.info({ group: group.groupId, generation: group.generationId, reason }, 'group rebalance started');
    if (fromEmpty) {
      const delayMs = this.ctx.config.groupInitialRebalanceDelayMs;
      this.startInitialDelay(group, delayMs, Math.max(group.rebalanceTimeoutMs() - delayMs, 0));
    } else {
      const timer = this.ctx.clock.schedule(group.rebalanceTimeoutMs(), () => this.completeJoin(group));
      group.joinPhase = { timer, initialDelay: false };
      this.tryCompleteJoin(group);
    }
  }

  /**
   * Kafka's InitialDelayedJoin: a brand-new group waits `delayMs` for more members; each member
   * arriving meanwhile buys another delay, until the rebalance timeout is used up.
   */
  private startInitialDelay(group: ClassicGroup, delayMs: number, remainingMs: number): void {
    const timer = this.ctx.clock.schedule(delayMs, () => {
      group.joinPhase = undefined;
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false;
        const nextDelayMs = Math.min(this.ctx.config.groupInitialRebalanceDelayMs, remainingMs);
        this.startInitialDelay(group, nextDelayMs, Math.max(remainingMs - nextDelayMs, 0));
      } else {
        this.completeJoin(group);
      }
    });
    group.joinPhase = { timer, initialDelay: true };
  }

  /** Ends the join phase: drop members that did not rejoin, start the next generation, answer JoinGroup. */
  private completeJoin(group: ClassicGroup): void {
    group.cancelJoinPhase();
    if (!group.is('PreparingRebalance')) return;
    for (const member of group.notYetRejoinedMembers()) {
      this.ctx.logger.info({ group: group.groupId, member: member.memberId }, 'member did not rejoin in time, removed');
      this.dropMember(group, member, errors.unknownMemberId(`member ${member.memberId} did not rejoin in time`));
    }
    group.newMemberAdded = false;
    group.initNextGeneration(this.ctx.clock.now());
    // The cluster's `group-rebalanced` event, logged by the coordinator that completed the rebalance.
    this.ctx.logger.info(
      { event: 'group-rebalanced', group: group.groupId, generation: group.generationId, state: group.state, members: [...group.members.keys()], leader: group.leaderId ?? undefined, protocol: group.protocolName ?? undefined },
      'group generation started',
    );
    if (group.is('Empty')) {
      // Nobody to answer; the empty generation is still recorded so a new coordinator resumes from it.
      this.ctx.storeGroup(group, new Map(), (error) => {
        if (error) this.ctx.logger.warn({ group: group.groupId, err: error.message }, 'storing the empty group failed');
      });
      return;
    }
    const leaderId = group.leaderId;
    assert(leaderId !== null && group.has(leaderId), `group ${group.groupId} starts generation ${group.generationId} without a leader among its members`);
    const leaderView = group.leaderView();
    for (const member of group.members.values()) {
      const waiter = member.awaitingJoin;
      assert(waiter !== undefined, `member ${member.memberId} is in generation ${group.generationId} without having joined`);
      member.awaitingJoin = undefined;
      member.isNew = false;
      waiter.resolve({
        memberId: member.memberId,
        generationId: group.generationId,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        leaderId,
        members: member.memberId === leaderId ? leaderView : [],
      });
      this.touch(group, member);
      group.pendingSyncMembers.add(member.memberId);
    }
    this.schedulePendingSync(group);
  }

  /** Members of the new generation that never send SyncGroup are removed after the rebalance timeout. */
  private schedulePendingSync(group: ClassicGroup): void {
    const generation = group.generationId;
    group.pendingSyncTimer = this.ctx.clock.schedule(group.rebalanceTimeoutMs(), () => {
      group.pendingSyncTimer = undefined;
      if (generation !== group.generationId || !(group.is('CompletingRebalance') || group.is('Stable'))) return;
      const missing = [...group.pendingSyncMembers];
      if (missing.length === 0) return;
      for (const memberId of missing) {
        this.dropMember(group, group.member(memberId), errors.unknownMemberId(`member ${memberId} did not sync in time`));
      }
      this.prepareRebalance(group, `members ${missing.join(', ')} did not sync in time`);
    });
  }

  /**
   * A member waiting in JoinGroup or SyncGroup counts as alive (its wait is bounded by the phase
   * timers, and its session restarts when the wait ends), unless it is new: a new member has
   * never been part of a generation, so only its join timeout holds.
   */
  private onMemberExpired(group: ClassicGroup, member: GroupMember): void {
    member.expiry = undefined;
    if (group.members.get(member.memberId) !== member) return;
    if (!member.isNew && (member.awaitingJoin || member.awaitingSync)) return;
    this.ctx.logger.info({ group: group.groupId, member: member.memberId }, 'member session expired');
    this.removeMemberAndUpdateGroup(group, member, 'session timeout expired');
  }

  private propagateAssignment(group: ClassicGroup, error?: BrokerError): void {
    for (const member of group.members.values()) {
      const waiter = member.awaitingSync;
      if (!waiter) continue;
      member.awaitingSync = undefined;
      if (error) waiter.reject(error);
      else waiter.resolve({ protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
      // Expiries are ignored while a member waits, so its session starts over now.
      this.touch(group, member);
    }
  }

  private dropMember(group: ClassicGroup, member: GroupMember, error: BrokerError): void {
    this.failWaiters(member, error);
    group.remove(member.memberId);
  }

  private failWaiters(member: GroupMember, error: BrokerError): void {
    const { awaitingJoin, awaitingSync } = member;
    member.awaitingJoin = undefined;
    member.awaitingSync = undefined;
    awaitingJoin?.reject(error);
    awaitingSync?.reject(error);
  }
}
