/**
 * Kafka's classic group protocol for one group: JoinGroup, SyncGroup, Heartbeat and LeaveGroup
 * checked against the group's state, generation and members, with the same errors Kafka answers
 * (3.x, dynamic membership). JoinGroup and SyncGroup may wait: their promises settle when the
 * rebalance moves on, on a timer, or when the coordinator unloads the group; never later.
 */
import { assert, errors, type BrokerError } from '../../common/errors.js';
import type { Random } from '../../common/random.js';
import type { ClassicGroup } from './group.js';
import { GroupMember, newMemberId, waiterWithPromise } from './member.js';
import { Rebalancer, type RebalanceContext } from './rebalance.js';
import {
  UNKNOWN_MEMBER_ID,
  type HeartbeatRequest,
  type JoinGroupRequest,
  type JoinGroupResult,
  type LeaveGroupResult,
  type SyncGroupRequest,
  type SyncGroupResult,
} from './types.js';

const NO_ASSIGNMENT = Buffer.alloc(0);

export interface GroupStateMachineContext extends RebalanceContext {
  readonly random: Random;
}

export class GroupStateMachine {
  readonly rebalancer: Rebalancer;

  constructor(private readonly ctx: GroupStateMachineContext) {
    this.rebalancer = new Rebalancer(ctx);
  }

  join(group: ClassicGroup, request: JoinGroupRequest): Promise<JoinGroupResult> {
    if (group.is('Dead')) {
      // Someone just removed the group (deleted, or moved away): the client rediscovers the coordinator.
      return Promise.reject(errors.coordinatorNotAvailable(`group ${group.groupId} is being removed`));
    }
    if (!group.supportsProtocols(request.protocolType, request.protocols)) {
      return Promise.reject(
        errors.inconsistentGroupProtocol(`group ${group.groupId} shares no protocol of type ${request.protocolType} with this member`),
      );
    }
    return request.memberId === UNKNOWN_MEMBER_ID ? this.joinNewMember(group, request) : this.joinKnownMember(group, request);
  }

  sync(group: ClassicGroup, request: SyncGroupRequest): Promise<SyncGroupResult> {
    const { memberId } = request;
    const refusal = this.checkMember(group, memberId, request.generationId);
    if (refusal) return Promise.reject(refusal);
    if (
      (request.protocolType != null && request.protocolType !== group.protocolType) ||
      (request.protocolName != null && request.protocolName !== group.protocolName)
    ) {
      return Promise.reject(errors.inconsistentGroupProtocol(`SyncGroup names a protocol group ${group.groupId} did not choose`));
    }
    const member = group.member(memberId);
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return Promise.reject(errors.unknownMemberId(`group ${group.groupId} is ${group.state}`));
      case 'PreparingRebalance':
        return Promise.reject(errors.rebalanceInProgress(`group ${group.groupId} is rebalancing`));
      case 'Stable':
        this.rebalancer.markSynced(group, memberId);
        this.rebalancer.touch(group, member);
        return Promise.resolve({ protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
      case 'CompletingRebalance': {
        const { waiter, promise } = waiterWithPromise<SyncGroupResult>();
        member.awaitingSync?.reject(errors.rebalanceInProgress(`a newer SyncGroup from member ${memberId} replaced this one`));
        member.awaitingSync = waiter;
        this.rebalancer.markSynced(group, memberId);
        if (group.isLeader(memberId)) this.storeLeaderAssignment(group, request);
        return promise;
      }
    }
  }

  /** Throws the error Kafka answers, or returns normally (the member's session starts over). */
  heartbeat(group: ClassicGroup, request: HeartbeatRequest): void {
    const refusal = this.checkMember(group, request.memberId, request.generationId);
    if (refusal) throw refusal;
    const member = group.member(request.memberId);
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        throw errors.unknownMemberId(`group ${group.groupId} is ${group.state}`);
      case 'PreparingRebalance':
        this.rebalancer.touch(group, member);
        throw errors.rebalanceInProgress(`group ${group.groupId} is rebalancing: rejoin`);
      case 'CompletingRebalance':
      case 'Stable':
        // A member may heartbeat between its JoinGroup and SyncGroup responses: it is alive.
        this.rebalancer.touch(group, member);
        return;
    }
  }

  leave(group: ClassicGroup, memberIds: readonly string[]): LeaveGroupResult {
    if (group.is('Dead')) throw errors.coordinatorNotAvailable(`group ${group.groupId} is being removed`);
    const members = memberIds.map((memberId) => {
      if (group.pendingMembers.has(memberId)) {
        this.rebalancer.removePendingMember(group, memberId);
        return { memberId };
      }
      const member = group.members.get(memberId);
      if (!member) return { memberId, error: errors.unknownMemberId(`group ${group.groupId} has no member ${memberId}`) };
      this.ctx.logger.info({ group: group.groupId, member: memberId }, 'member left the group');
      this.rebalancer.removeMemberAndUpdateGroup(group, member, 'LeaveGroup');
      return { memberId };
    });
    return { members };
  }

  /** A group rebuilt from the log: its members must heartbeat to this coordinator within their sessions. */
  startLoaded(group: ClassicGroup): void {
    for (const member of group.members.values()) this.rebalancer.touch(group, member);
  }

  private joinNewMember(group: ClassicGroup, request: JoinGroupRequest): Promise<JoinGroupResult> {
    const memberId = newMemberId(request.clientId, this.ctx.random);
    if (request.requireKnownMemberId) {
      this.rebalancer.addPendingMember(group, memberId, request.sessionTimeoutMs);
      return Promise.reject(errors.memberIdRequired(`rejoin with member id ${memberId}`, { memberId }));
    }
    return this.addMemberAndRebalance(group, request, memberId);
  }

  private joinKnownMember(group: ClassicGroup, request: JoinGroupRequest): Promise<JoinGroupResult> {
    const { memberId } = request;
    if (group.pendingMembers.has(memberId)) {
      group.pendingMembers.get(memberId)!.cancel();
      group.pendingMembers.delete(memberId);
      return this.addMemberAndRebalance(group, request, memberId);
    }
    const member = group.members.get(memberId);
    if (!member) return Promise.reject(errors.unknownMemberId(`group ${group.groupId} has no member ${memberId}`));
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, request);
      case 'CompletingRebalance':
        // The same metadata again: the member lost our JoinGroup response; answer it again.
        if (member.matches(request.protocols)) return Promise.resolve(this.currentGeneration(group, member));
        return this.updateMemberAndRebalance(group, member, request);
      case 'Stable':
        // A follower repeating itself changes nothing; a leader rejoining asks for a new assignment.
        if (!group.isLeader(memberId) && member.matches(request.protocols)) return Promise.resolve(this.currentGeneration(group, member));
        return this.updateMemberAndRebalance(group, member, request);
      case 'Empty':
      case 'Dead':
        return Promise.reject(errors.unknownMemberId(`group ${group.groupId} is ${group.state}: join again without a member id`));
    }
  }

  private addMemberAndRebalance(group: ClassicGroup, request: JoinGroupRequest, memberId: string): Promise<JoinGroupResult> {
    const member = new GroupMember(memberId, request.clientId, request.clientHost, request.rebalanceTimeoutMs, request.sessionTimeoutMs, request.protocols);
    member.isNew = true;
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
    group.add(member, request.protocolType);
    const { waiter, promise } = waiterWithPromise<JoinGroupResult>();
    member.awaitingJoin = waiter;
    this.rebalancer.touch(group, member, this.ctx.config.groupNewMemberJoinTimeoutMs);
    this.ctx.logger.info({ group: group.groupId, member: memberId, client: request.clientId }, 'member joined the group');
    this.rebalancer.maybePrepareRebalance(group, `member ${memberId} joined`);
    this.rebalancer.tryCompleteJoin(group);
    return promise;
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: GroupMember, request: JoinGroupRequest): Promise<JoinGroupResult> {
    member.protocols = request.protocols;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    const { waiter, promise } = waiterWithPromise<JoinGroupResult>();
    member.awaitingJoin?.reject(errors.rebalanceInProgress(`a newer JoinGroup from member ${member.memberId} replaced this one`));
    member.awaitingJoin = waiter;
    this.rebalancer.maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
    this.rebalancer.tryCompleteJoin(group);
    return promise;
  }

  private currentGeneration(group: ClassicGroup, member: GroupMember): JoinGroupResult {
    assert(group.leaderId !== null, `group ${group.groupId} has members but no leader`);
    return {
      memberId: member.memberId,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leaderId: group.leaderId,
      members: group.isLeader(member.memberId) ? group.leaderView() : [],
    };
  }

  /** The leader's SyncGroup: persist the assignment, then hand it out (or fail every waiter). */
  private storeLeaderAssignment(group: ClassicGroup, request: SyncGroupRequest): void {
    const given = new Map(request.assignments.map((a) => [a.memberId, a.assignment]));
    // Members the leader left out get an empty assignment; entries for non-members are dropped.
    const assignments = new Map([...group.members.keys()].map((id) => [id, given.get(id) ?? NO_ASSIGNMENT]));
    const generation = group.generationId;
    this.ctx.storeGroup(group, assignments, (error?: BrokerError) => {
      // A member may have joined or left while the write was in flight: then this generation is over.
      if (!group.is('CompletingRebalance') || group.generationId !== generation) return;
      if (error) {
        this.rebalancer.resetAndPropagateAssignmentError(group, error);
        this.rebalancer.maybePrepareRebalance(group, `storing the assignment failed: ${error.kafkaName}`);
      } else {
        this.rebalancer.setAndPropagateAssignment(group, assignments);
        group.transitionTo('Stable', this.ctx.clock.now());
        this.ctx.logger.info({ group: group.groupId, generation }, 'group is stable');
      }
    });
  }

  /** The checks SyncGroup and Heartbeat share, in Kafka's order. */
  private checkMember(group: ClassicGroup, memberId: string, generationId: number): BrokerError | undefined {
    if (group.is('Dead')) return errors.coordinatorNotAvailable(`group ${group.groupId} is being removed`);
    if (!group.has(memberId)) return errors.unknownMemberId(`group ${group.groupId} has no member ${memberId}`);
    if (generationId !== group.generationId) {
      return errors.illegalGeneration(`generation ${generationId} is not group ${group.groupId}'s current ${group.generationId}`);
    }
    return undefined;
  }
}
