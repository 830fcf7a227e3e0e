/**
 * One consumer's membership of its group, in Kafka's classic protocol: JoinGroup (a first join is
 * answered MEMBER_ID_REQUIRED with the id to rejoin with), then, if this member is the leader,
 * the assignment of every member's subscription with the group's assignor over partition counts
 * from metadata, then SyncGroup, which hands each member its share. While the member holds a
 * generation it heartbeats every `heartbeatIntervalMs` in the background.
 *
 * The coordinator's answers decide when to join again: REBALANCE_IN_PROGRESS and
 * ILLEGAL_GENERATION rejoin with the same member id, UNKNOWN_MEMBER_ID with an empty one; the
 * consumer starts the rejoin on its next `poll`. A join runs in the background so a poll can
 * return empty-handed while it completes; each join is bounded (the rebalance timeout plus
 * margins), and a failed one is tried again by the next poll.
 */
import { ASSIGNORS, assignGroup, CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeSubscription } from '../broker/group/assignors.js';
import { BrokerError, errors, type KafkaErrorName } from '../common/errors.js';
import type { CoordinatorLink } from './coordinator-link.js';
import type { CommitGeneration } from './group-offsets.js';
import type { JoinGroupResponse, MemberAssignment } from './group-wire.js';
import type { MetadataCache } from './metadata-cache.js';
import type { AssignorName } from './options.js';
import { backoffDelayMs, monotonicNowMs, sleep, type BackoffOptions } from './retry.js';
import type { TopicPartition } from './types.js';

export interface MembershipOptions extends BackoffOptions {
  clientId: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  requestTimeoutMs: number;
  assignor: AssignorName;
}

/** `unjoined`: no generation, or one the group has moved on from; the next poll joins. */
export type MembershipStatus = 'unjoined' | 'joining' | 'stable';

/** JoinGroup and SyncGroup wait for the whole group; Kafka gives them the rebalance timeout plus 5 s. */
const JOIN_GROUP_MARGIN_MS = 5_000;

/** Answers to JoinGroup or SyncGroup after which the member simply joins again. */
const REJOIN_ERRORS: ReadonlySet<KafkaErrorName> = new Set(['MEMBER_ID_REQUIRED', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS']);

export class GroupMembership {
  private memberId = '';
  private generationId = -1;
  private leaderId = '';
  private state: MembershipStatus = 'unjoined';
  private joining: Promise<void> | undefined;
  /** A rejoin was asked for while a join was under way: that join's generation is already stale. */
  private rejoinAfterJoin = false;
  private newAssignment: TopicPartition[] | undefined;
  /**
   * The group moved on without this member (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION) since its last
   * assignment: its partitions may have had another owner meanwhile, so none of its positions hold.
   */
  private partitionsLost = false;
  private joinError: BrokerError | undefined;
  /** As leader, the partition count per subscribed topic the last assignment used (0: no such topic). */
  private assignedCounts: Map<string, number> | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly link: CoordinatorLink,
    private readonly metadata: MetadataCache,
    private readonly options: MembershipOptions,
  ) {}

  status(): MembershipStatus {
    return this.state;
  }

  /** The member id and generation commits carry. */
  generation(): CommitGeneration {
    return { generationId: this.generationId, memberId: this.memberId };
  }

  isLeader(): boolean {
    return this.state === 'stable' && this.memberId !== '' && this.memberId === this.leaderId;
  }

  /**
   * Whether this member led the last assignment and metadata has since changed a subscribed
   * topic's partition count (or the topic appeared): as in Kafka, the leader then rejoins so the
   * new partitions get an owner.
   */
  assignmentOutdated(): boolean {
    if (!this.isLeader() || !this.assignedCounts) return false;
    for (const [topic, count] of this.assignedCounts) if ((this.metadata.partitionCount(topic) ?? 0) !== count) return true;
    return false;
  }

  /** Starts joining with a subscription to `topics`, unless a join is under way. */
  startJoin(topics: readonly string[]): void {
    if (this.joining || this.closed) return;
    this.stopHeartbeats();
    this.state = 'joining';
    this.rejoinAfterJoin = false;
    this.joining = this.join([...topics].sort())
      .then(
        (assignment) => {
          this.newAssignment = assignment;
          this.state = this.rejoinAfterJoin || this.closed ? 'unjoined' : 'stable';
          this.scheduleHeartbeat();
        },
        (e: unknown) => {
          this.joinError = e instanceof BrokerError ? e : errors.unknownServerError(`joining group ${this.link.groupId} failed: ${String(e)}`, { cause: e });
          this.state = 'unjoined';
        },
      )
      .finally(() => (this.joining = undefined));
  }

  /** Waits for a join under way to complete, or until `deadlineMs` (monotonic). */
  async waitForJoin(deadlineMs: number): Promise<void> {
    const joining = this.joining;
    const remainingMs = deadlineMs - monotonicNowMs();
    if (!joining || remainingMs <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([joining, new Promise<void>((resolve) => (timer = setTimeout(resolve, remainingMs)))]);
    clearTimeout(timer);
  }

  /** The partitions the last completed join assigned, once, and whether the previous ones were lost. */
  takeNewAssignment(): { partitions: TopicPartition[]; lost: boolean } | undefined {
    const partitions = this.newAssignment;
    if (!partitions) return undefined;
    const lost = this.partitionsLost;
    this.newAssignment = undefined;
    this.partitionsLost = false;
    return { partitions, lost };
  }

  takeJoinError(): BrokerError | undefined {
    const error = this.joinError;
    this.joinError = undefined;
    return error;
  }

  /** The next poll joins again (the subscription changed, or the group moved on). */
  requestRejoin(): void {
    if (this.state === 'joining') this.rejoinAfterJoin = true;
    if (this.state === 'stable') {
      this.state = 'unjoined';
      this.stopHeartbeats();
    }
  }

  /** Reacts to a group error any request met (heartbeat, commit): the ones that mean "join again". */
  onGroupError(error: BrokerError): void {
    if (error.kafkaName === 'UNKNOWN_MEMBER_ID' || error.kafkaName === 'ILLEGAL_GENERATION') {
      this.forgetGeneration(error);
      this.requestRejoin();
    } else if (error.kafkaName === 'REBALANCE_IN_PROGRESS') {
      this.requestRejoin();
    }
  }

  /** Leaves the group (bounded by `timeoutMs`; a failure only means the session will expire instead). */
  async leave(timeoutMs: number): Promise<void> {
    this.closed = true;
    this.stopHeartbeats();
    const memberId = this.memberId;
    this.memberId = '';
    this.generationId = -1;
    this.state = 'unjoined';
    if (memberId === '') return;
    try {
      await this.link.request('LeaveGroup', { group_id: this.link.groupId, member_ids: [memberId] }, { timeoutMs });
    } catch (e) {
      if (!(e instanceof BrokerError)) throw e;
    }
  }

  private async join(topics: string[]): Promise<TopicPartition[]> {
    const callTimeoutMs = this.options.rebalanceTimeoutMs + JOIN_GROUP_MARGIN_MS;
    const deadlineMs = monotonicNowMs() + callTimeoutMs + this.options.requestTimeoutMs;
    const protocols = [{ name: this.options.assignor, metadata: encodeSubscription({ topics }) }];
    for (let attempt = 1; ; attempt++) {
      const remainingMs = () => Math.max(1, deadlineMs - monotonicNowMs());
      try {
        this.assignedCounts = undefined;
        const joined = await this.link.request(
          'JoinGroup',
          {
            group_id: this.link.groupId,
            member_id: this.memberId,
            client_id: this.options.clientId,
            session_timeout_ms: this.options.sessionTimeoutMs,
            rebalance_timeout_ms: this.options.rebalanceTimeoutMs,
            protocol_type: CONSUMER_PROTOCOL_TYPE,
            protocols,
          },
          { timeoutMs: remainingMs(), callTimeoutMs },
        );
        this.memberId = joined.member_id;
        this.generationId = joined.generation_id;
        this.leaderId = joined.leader_id;
        const assignments = joined.leader_id === joined.member_id ? await this.assign(joined) : [];
        const synced = await this.link.request(
          'SyncGroup',
          { group_id: this.link.groupId, generation_id: joined.generation_id, member_id: joined.member_id, assignments },
          { timeoutMs: remainingMs(), callTimeoutMs },
        );
        return decodeAssignment(synced.assignment).partitions.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition })));
      } catch (e) {
        if (!(e instanceof BrokerError) || !REJOIN_ERRORS.has(e.kafkaName) || this.closed) throw e;
        this.prepareRejoin(e);
        // A member id just handed out is used at once; other rejoins back off a little.
        const delayMs = e.kafkaName === 'MEMBER_ID_REQUIRED' ? 0 : backoffDelayMs(attempt, this.options);
        if (monotonicNowMs() + delayMs >= deadlineMs) throw e;
        if (delayMs > 0) await sleep(delayMs);
      }
    }
  }

  private prepareRejoin(error: BrokerError): void {
    if (error.kafkaName === 'MEMBER_ID_REQUIRED') {
      const response = error.details['response'] as Partial<JoinGroupResponse> | undefined;
      this.memberId = response?.member_id ?? '';
    } else {
      this.forgetGeneration(error);
    }
  }

  /**
   * The coordinator has moved on from this member's generation; with UNKNOWN_MEMBER_ID it no
   * longer knows the member at all (its session expired), which then joins as a new one.
   */
  private forgetGeneration(error: BrokerError): void {
    if (error.kafkaName === 'UNKNOWN_MEMBER_ID') this.memberId = '';
    if (error.kafkaName === 'UNKNOWN_MEMBER_ID' || error.kafkaName === 'ILLEGAL_GENERATION') {
      this.generationId = -1;
      this.partitionsLost = true;
    }
  }

  /** The leader's job: every member's subscription assigned with the group's chosen assignor. */
  private async assign(joined: JoinGroupResponse): Promise<MemberAssignment[]> {
    const assignor = ASSIGNORS.find((a) => a.name === joined.protocol_name);
    if (!assignor) throw errors.inconsistentGroupProtocol(`group ${this.link.groupId} chose assignor "${joined.protocol_name}", which this client does not have`);
    const members = joined.members.map((m) => ({ memberId: m.member_id, metadata: m.metadata }));
    const topics = new Set(members.flatMap((m) => decodeSubscription(m.metadata).topics));
    const partitionCounts = await this.partitionCounts(topics);
    this.assignedCounts = new Map([...topics].map((topic) => [topic, partitionCounts.get(topic) ?? 0]));
    return assignGroup(assignor, partitionCounts, members).map((a) => ({ member_id: a.memberId, assignment: a.assignment }));
  }

  /** Partition counts of `topics` from fresh metadata; a topic that does not exist gets no partitions. */
  private async partitionCounts(topics: ReadonlySet<string>): Promise<Map<string, number>> {
    this.metadata.addTopics(topics);
    try {
      await this.metadata.refresh();
    } catch (e) {
      // A stale view still assigns what it knows; the leader rejoins when a member asks for more.
      if (!(e instanceof BrokerError) || !e.retriable) throw e;
    }
    const counts = new Map<string, number>();
    for (const topic of topics) {
      const count = this.metadata.partitionCount(topic);
      if (count !== undefined && count > 0) counts.set(topic, count);
    }
    return counts;
  }

  private scheduleHeartbeat(): void {
    if (this.closed || this.state !== 'stable' || this.heartbeatTimer) return;
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = undefined;
      void this.heartbeat();
    }, this.options.heartbeatIntervalMs);
    // Like Kafka's heartbeat thread, heartbeats alone do not keep the process alive.
    this.heartbeatTimer.unref();
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private async heartbeat(): Promise<void> {
    if (this.state !== 'stable' || this.closed) return;
    const { generationId, memberId } = this;
    try {
      await this.link.request(
        'Heartbeat',
        { group_id: this.link.groupId, generation_id: generationId, member_id: memberId },
        { timeoutMs: Math.min(this.options.requestTimeoutMs, this.options.sessionTimeoutMs) },
      );
    } catch (e) {
      if (!(e instanceof BrokerError)) throw e;
      // An answer about a generation this member has already left says nothing about the current one.
      if (generationId === this.generationId && memberId === this.memberId) this.onGroupError(e);
    } finally {
      this.scheduleHeartbeat();
    }
  }
}
