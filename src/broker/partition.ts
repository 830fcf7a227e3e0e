/**
 * One partition replica on this broker: a facade over its log and whichever role metadata gives
 * it. As leader it delegates to `LeaderReplica` (followers, ISR, high watermark, acks=all waits);
 * as follower to `FollowerState` (copying the leader's log). It checks every request's leader
 * epoch and this broker's leadership first. The partition decides; the replica manager acts on
 * what it reports through `PartitionListener` (wake long polls, send ISR changes).
 *
 * Invariants: logStartOffset <= highWatermark <= logEndOffset; the leader's high watermark never
 * moves backwards within its leadership; registrations with an older leader epoch are ignored.
 */
import { assert, errors, isBrokerError, type BrokerError } from '../common/errors.js';
import type { EpochEndOffset, PartitionLog } from '../log/types.js';
import { NO_LEADER, type AlterPartitionRequest, type BrokerId, type PartitionRegistration } from '../metadata/types.js';
import { DelayedProduceQueue } from './delayed-produce.js';
import { deleteRecordsOnLeader, lowWatermark } from './delete-records.js';
import {
  NO_RECORDS,
  type ConsumerFetchPartitionResponse,
  type ReplicaFetchPartitionRequest,
  type ReplicaFetchPartitionResponse,
} from './fetch-messages.js';
import { FollowerState, type FollowerFetchOutcome } from './follower-state.js';
import type { AlterPartitionOutcome } from './isr-tracker.js';
import { LeaderReplica, type FetchingFollower, type FollowerFetch, type LeaderRead } from './leader-replica.js';
import type { PartitionContext } from './partition-context.js';
import { leaderEpochError } from './request-fencing.js';
import { isValidAcks, partitionKey, UNKNOWN_OFFSET, type PartitionRole, type PartitionStatus, type ProduceResult } from './types.js';

export type { PartitionContext, PartitionListener } from './partition-context.js';

export interface FollowerFetchArgs extends FollowerFetch {
  readonly currentLeaderEpoch: number;
}

export class Partition {
  /** `topicId:partition`, the key fetches, waits and sessions know this partition by. */
  readonly key: string;
  private currentRole: PartitionRole = 'none';
  private leaderBrokerId: BrokerId = NO_LEADER;
  private currentLeaderEpoch = -1;
  private registeredPartitionEpoch = -1;
  private assignedReplicas: readonly BrokerId[] = [];
  /** The ISR as last registered; the leader keeps its own, fresher view. */
  private registeredIsr: readonly BrokerId[] = [];
  private leader: LeaderReplica | undefined;
  /** The position `nextFetch` returned last, handed out again while it holds. */
  private lastFetch: ReplicaFetchPartitionRequest | undefined;
  private follower: FollowerState | undefined;
  /** The high watermark while neither leader nor follower. */
  private idleHighWatermark: number;
  /** Outlives one leader epoch: produces waiting when the same broker is re-elected still complete. */
  private readonly produces: DelayedProduceQueue;

  constructor(
    readonly topicId: string,
    readonly topic: string,
    readonly partition: number,
    readonly log: PartitionLog,
    private readonly ctx: PartitionContext,
  ) {
    this.key = partitionKey(topicId, partition);
    this.idleHighWatermark = log.logStartOffset();
    this.produces = new DelayedProduceQueue(ctx.clock, ctx.maxWaitingProduces);
  }

  role(): PartitionRole {
    return this.currentRole;
  }
  leaderId(): BrokerId {
    return this.leaderBrokerId;
  }
  leaderEpoch(): number {
    return this.currentLeaderEpoch;
  }
  partitionEpoch(): number {
    return this.leader ? this.leader.state.isr.partitionEpoch() : this.registeredPartitionEpoch;
  }
  replicas(): readonly BrokerId[] {
    return this.assignedReplicas;
  }
  isr(): readonly BrokerId[] {
    return this.leader ? this.leader.state.isr.isr() : this.registeredIsr;
  }
  highWatermark(): number {
    return this.leader?.highWatermark() ?? this.follower?.highWatermark() ?? this.idleHighWatermark;
  }
  logEndOffset(): number {
    return this.log.logEndOffset();
  }
  logStartOffset(): number {
    return this.log.logStartOffset();
  }
  /** Where `epoch` ends in this replica's log: the largest known epoch <= `epoch` and its end offset. */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.log.endOffsetForEpoch(epoch);
  }
  waitingProduces(): number {
    return this.produces.size();
  }
  /** As follower: records behind the leader's high watermark at its last answer; undefined otherwise. */
  followerLag(): number | undefined {
    return this.follower?.lagRecords();
  }

  /** Applies a registration naming this broker leader. Returns false if it was stale or changed nothing. */
  makeLeader(registration: PartitionRegistration): boolean {
    assert(registration.leader === this.ctx.brokerId, `makeLeader on broker ${this.ctx.brokerId} for leader ${registration.leader}`);
    if (this.leader && registration.leaderEpoch === this.currentLeaderEpoch) {
      if (!this.leader.onMetadata(registration)) return false;
      this.adoptRegistration(registration);
      return true;
    }
    if (!this.isNewerLeadership(registration)) return false;
    const highWatermark = this.clampedHighWatermark();
    this.follower = undefined;
    this.adoptRegistration(registration);
    this.currentRole = 'leader';
    const listener = this.ctx.listener;
    this.leader = new LeaderReplica(this.log, registration, highWatermark, this.produces, this.ctx, {
      logEndOffsetChanged: () => listener?.logEndOffsetChanged?.(this),
      highWatermarkChanged: () => listener?.highWatermarkChanged?.(this),
      isrChangeProposed: (request) => listener?.isrChangeProposed?.(this, request),
    });
    this.ctx.logger.info(
      { leaderEpoch: registration.leaderEpoch, isr: registration.isr, highWatermark, logEndOffset: this.log.logEndOffset() },
      'became leader',
    );
    listener?.roleChanged?.(this);
    // With the leader alone in the ISR the high watermark moves to the log end at once.
    this.leader.advanceHighWatermark();
    return true;
  }

  /** Applies a registration naming another broker (or none) leader. Returns false if stale or changed nothing. */
  makeFollower(registration: PartitionRegistration): boolean {
    assert(registration.leader !== this.ctx.brokerId, 'makeFollower for a registration naming this broker leader');
    if (this.follower && registration.leaderEpoch === this.currentLeaderEpoch) {
      if (registration.partitionEpoch <= this.registeredPartitionEpoch) return false;
      this.adoptRegistration(registration);
      return true;
    }
    if (!this.isNewerLeadership(registration)) return false;
    const highWatermark = this.clampedHighWatermark();
    this.leader = undefined;
    this.produces.failAll(() => errors.notLeaderOrFollower(`broker ${this.ctx.brokerId} is now a follower`));
    this.adoptRegistration(registration);
    this.currentRole = 'follower';
    this.follower = new FollowerState(this.log, registration.leader, registration.leaderEpoch, highWatermark, this.ctx.fetchErrorBackoffMs, this.ctx.logger);
    this.ctx.logger.info({ leader: registration.leader, leaderEpoch: registration.leaderEpoch, highWatermark }, 'became follower');
    this.ctx.listener?.roleChanged?.(this);
    return true;
  }

  /** Leaves both roles (the replica is being removed or the broker stops): waiting produces fail. */
  stop(): void {
    this.idleHighWatermark = this.clampedHighWatermark();
    this.leader = undefined;
    this.follower = undefined;
    this.currentRole = 'none';
    this.produces.failAll(() => errors.notLeaderOrFollower(`${this.topic}-${this.partition} is no longer hosted on broker ${this.ctx.brokerId}`));
    this.ctx.listener?.roleChanged?.(this);
  }

  /**
   * Appends one batch as leader and calls `done` exactly once: at once for acks 0 and 1 and for
   * every refusal; after replication, timeout or leadership loss for acks=all.
   */
  produce(batch: Buffer, acks: number, timeoutMs: number, done: (result: ProduceResult) => void, requestLeaderEpoch?: number): void {
    const refusal = isValidAcks(acks)
      ? this.leaderRequestError(requestLeaderEpoch)
      : errors.invalidRequiredAcks(`acks must be -1, 0 or 1, got ${acks}`);
    if (refusal) return done({ error: refusal, baseOffset: -1, lastOffset: -1, logStartOffset: this.log.logStartOffset() });
    this.leader!.produce(batch, acks, timeoutMs, this.currentLeaderEpoch, done);
  }

  /** Serves a follower's fetch (see `LeaderReplica.serveFollowerFetch`). */
  fetchFromFollower(args: FollowerFetchArgs): ReplicaFetchPartitionResponse {
    return this.answerFollower(this.readForFollower(args, args));
  }

  /**
   * The same read, with the follower's identity passed apart from its position and without the
   * partition's identity in the result: a fetch of thousands of partitions, most with nothing to
   * say, allocates nothing for those (`answerFollower` adds the identity to the ones that go back).
   */
  readForFollower(position: ReplicaFetchPartitionRequest | FollowerFetchArgs, follower: FetchingFollower): LeaderRead {
    const refusal = this.leaderRequestError(position.currentLeaderEpoch);
    return refusal ? this.refusedRead(refusal) : this.leader!.serveFollowerFetch(position, follower);
  }

  answerFollower(read: LeaderRead): ReplicaFetchPartitionResponse {
    return { topicId: this.topicId, partition: this.partition, ...read };
  }

  /** Serves a consumer: only records below the high watermark. */
  fetchForConsumer(fetchOffset: number, maxBytes: number, requestLeaderEpoch?: number): ConsumerFetchPartitionResponse {
    const refusal = this.leaderRequestError(requestLeaderEpoch);
    const read = refusal ? this.refusedRead(refusal) : this.leader!.serveConsumerFetch(fetchOffset, maxBytes);
    return {
      topic: this.topic,
      partition: this.partition,
      ...(read.error ? { error: read.error } : {}),
      highWatermark: read.highWatermark,
      logStartOffset: read.logStartOffset,
      records: read.records,
    };
  }

  /**
   * DeleteRecords as leader: moves the log start up to `offset` (-1: the high watermark). Returns
   * the offset every live replica's log start must reach, or the refusal.
   */
  deleteRecords(offset: number): number | BrokerError {
    const refusal = this.leaderRequestError(undefined);
    if (refusal) return refusal;
    try {
      const target = deleteRecordsOnLeader(this.log, this.leader!.highWatermark(), offset);
      if (!isBrokerError(target)) this.ctx.logger.info({ offset, logStartOffset: this.log.logStartOffset() }, 'records deleted: log start advanced');
      return target;
    } catch (e) {
      if (isBrokerError(e)) return e;
      throw e;
    }
  }

  /** As leader: the smallest log start among this replica and its live followers (Kafka's low watermark). */
  lowWatermark(isAlive: (brokerId: BrokerId) => boolean): number | BrokerError {
    const refusal = this.leaderRequestError(undefined);
    if (refusal) return refusal;
    const state = this.leader!.state;
    const followers = this.assignedReplicas
      .filter((id) => id !== this.ctx.brokerId)
      .map((brokerId) => ({ brokerId, logStartOffset: state.follower(brokerId)?.logStartOffset ?? UNKNOWN_OFFSET }));
    return lowWatermark(this.log.logStartOffset(), followers, isAlive);
  }

  /** Called periodically: on the leader, proposes dropping ISR members that lag (the listener is told too). */
  maybeShrinkIsr(): AlterPartitionRequest | undefined {
    return this.leader?.maybeShrinkIsr();
  }

  /** The controller's answer to an AlterPartition request this partition proposed. */
  onAlterPartitionResponse(request: AlterPartitionRequest, result: PartitionRegistration | Error): AlterPartitionOutcome {
    return this.leader ? this.leader.onAlterPartitionResponse(request, result) : 'ignored';
  }

  /** The AlterPartition request in flight, to resend after an unknown outcome. */
  inFlightIsrChange(): AlterPartitionRequest | undefined {
    return this.leader?.state.isr.inFlightRequest();
  }

  /** The next fetch for this follower partition, or undefined (leads, follows no one, or backs off). */
  nextFetch(): ReplicaFetchPartitionRequest | undefined {
    if (!this.follower || this.follower.leaderId === NO_LEADER) return undefined;
    // An idle follower asks the same at every poll: the same object then, which the fetch
    // session recognises without comparing.
    const last = this.lastFetch;
    const position = this.follower.nextFetch(this.ctx.clock.monotonic(), last);
    if (!position) return undefined;
    if (position === last) return last;
    return (this.lastFetch = { topicId: this.topicId, partition: this.partition, ...position });
  }

  /** When a backing-off follower partition may fetch again. */
  fetchableAtMs(): number {
    return this.follower?.fetchableAtMs() ?? Number.POSITIVE_INFINITY;
  }

  applyFetchResponse(request: ReplicaFetchPartitionRequest, response: ReplicaFetchPartitionResponse): FollowerFetchOutcome {
    if (!this.follower) return { kind: 'stale' };
    return this.follower.applyFetchResponse(request, response, this.ctx.clock.monotonic());
  }

  status(): PartitionStatus {
    const leo = this.log.logEndOffset();
    const pendingIsr = this.leader?.state.isr.pendingIsr();
    return {
      topicId: this.topicId,
      topic: this.topic,
      partition: this.partition,
      role: this.currentRole,
      leader: this.leaderBrokerId,
      leaderEpoch: this.currentLeaderEpoch,
      partitionEpoch: this.partitionEpoch(),
      replicas: this.assignedReplicas,
      isr: this.isr(),
      ...(pendingIsr ? { pendingIsr } : {}),
      highWatermark: this.highWatermark(),
      logStartOffset: this.log.logStartOffset(),
      logEndOffset: leo,
      followers: this.leader?.state.followerStatuses(this.ctx.clock.monotonic(), leo) ?? [],
    };
  }

  /** A registration starts a new leadership if its epoch is newer (or equal, when this replica holds no role). */
  private isNewerLeadership(registration: PartitionRegistration): boolean {
    const newer =
      registration.leaderEpoch > this.currentLeaderEpoch ||
      (this.currentRole === 'none' && registration.leaderEpoch === this.currentLeaderEpoch);
    if (!newer) {
      this.ctx.logger.debug({ leaderEpoch: registration.leaderEpoch, currentLeaderEpoch: this.currentLeaderEpoch }, 'ignoring stale partition registration');
    }
    return newer;
  }

  private adoptRegistration(registration: PartitionRegistration): void {
    this.leaderBrokerId = registration.leader;
    this.currentLeaderEpoch = registration.leaderEpoch;
    this.registeredPartitionEpoch = registration.partitionEpoch;
    this.assignedReplicas = [...registration.replicas];
    this.registeredIsr = [...registration.isr];
  }

  private clampedHighWatermark(): number {
    return Math.max(this.log.logStartOffset(), Math.min(this.highWatermark(), this.log.logEndOffset()));
  }

  /** Fencing first (a stale epoch is the more useful answer), then leadership. */
  private leaderRequestError(requestLeaderEpoch: number | undefined): BrokerError | undefined {
    const fenced = leaderEpochError(requestLeaderEpoch, this.currentLeaderEpoch);
    if (fenced) return fenced;
    if (!this.leader) return errors.notLeaderOrFollower(`broker ${this.ctx.brokerId} does not lead ${this.topic}-${this.partition}`);
    return undefined;
  }

  private refusedRead(error: BrokerError): LeaderRead {
    return { error, records: NO_RECORDS, highWatermark: this.highWatermark(), logStartOffset: this.log.logStartOffset() };
  }
}
