/**
 * A partition while this broker leads it, for one leader epoch: produces (with the acks=all wait),
 * fetches from followers and consumers, ISR proposals and their answers. Requests reach it already
 * checked for leadership and leader epoch by `Partition`.
 */
import { errors, isBrokerError, type BrokerError } from '../common/errors.js';
import type { PartitionLog } from '../log/types.js';
import type { AlterPartitionRequest, BrokerId, PartitionRegistration } from '../metadata/types.js';
import type { DelayedProduceQueue } from './delayed-produce.js';
import { NO_RECORDS, type DivergingEpoch } from './fetch-messages.js';
import { describeIsrChange, type IsrChangeEvent } from './isr-change-event.js';
import type { AlterPartitionOutcome } from './isr-tracker.js';
import { LeaderState } from './leader-state.js';
import type { PartitionContext } from './partition-context.js';
import { ACKS_ALL, type ProduceResult } from './types.js';

/** What the leader reports to its partition, which passes it on to the replica manager. */
export interface LeaderEvents {
  logEndOffsetChanged(): void;
  highWatermarkChanged(): void;
  isrChangeProposed(request: AlterPartitionRequest): void;
}

/** Who fetches: the same for every partition of one fetch request. */
export interface FetchingFollower {
  readonly replicaId: BrokerId;
  readonly brokerEpoch: number;
  readonly maxBytes: number;
}

/** Where the follower stands in one partition. */
export interface FollowerPosition {
  readonly fetchOffset: number;
  readonly lastFetchedEpoch: number;
  readonly logStartOffset: number;
}

export type FollowerFetch = FetchingFollower & FollowerPosition;

/** A read as the leader answers it; the partition adds its identity. */
export interface LeaderRead {
  readonly error?: BrokerError;
  readonly records: Buffer;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly divergingEpoch?: DivergingEpoch;
}

export class LeaderReplica {
  readonly state: LeaderState;
  /** The ISR change in flight and its event, logged only if the controller commits it. */
  private proposed: { request: AlterPartitionRequest; event: IsrChangeEvent } | undefined;

  constructor(
    private readonly log: PartitionLog,
    registration: PartitionRegistration,
    highWatermark: number,
    private readonly produces: DelayedProduceQueue,
    private readonly ctx: PartitionContext,
    private readonly events: LeaderEvents,
  ) {
    const leo = log.logEndOffset();
    this.state = new LeaderState({
      identity: { brokerId: ctx.brokerId, topicId: registration.topicId, partition: registration.partition, leaderEpoch: registration.leaderEpoch },
      replicas: registration.replicas,
      isr: registration.isr,
      partitionEpoch: registration.partitionEpoch,
      // The log records the epoch's start on its first append; until then this is where it begins.
      leaderEpochStartOffset: leo,
      highWatermark,
      leaderLogEndOffset: leo,
      nowMs: ctx.clock.monotonic(),
      replicaLagTimeMaxMs: ctx.replicaLagTimeMaxMs,
    });
  }

  highWatermark(): number {
    return this.state.highWatermark();
  }

  produce(batch: Buffer, acks: number, timeoutMs: number, leaderEpoch: number, done: (result: ProduceResult) => void): void {
    const fail = (error: BrokerError): void => done(this.failedProduce(error));
    if (acks === ACKS_ALL) {
      const isrSize = this.state.isr.isr().length;
      const minInsync = this.ctx.minInsyncReplicas();
      if (isrSize < minInsync) return fail(errors.notEnoughReplicas(`ISR size ${isrSize} < min.insync.replicas ${minInsync}`));
      if (this.produces.isFull()) return fail(errors.requestTimedOut('too many produce requests waiting for replication'));
    }
    let appended;
    try {
      appended = this.log.appendAsLeader(batch, leaderEpoch);
    } catch (e) {
      if (isBrokerError(e)) return fail(e);
      throw e;
    }
    this.ctx.logger.debug({ firstOffset: appended.firstOffset, lastOffset: appended.lastOffset, acks }, 'appended as leader');
    const result: ProduceResult = { baseOffset: appended.firstOffset, lastOffset: appended.lastOffset, logStartOffset: this.log.logStartOffset() };
    // Queued before anyone hears of the append, so the queue stays in offset order even if a
    // listener produces again; a leader alone in the ISR completes it just below.
    const waitForIsr = acks === ACKS_ALL && this.ctx.acknowledgeBeforeReplication !== true;
    if (waitForIsr) {
      this.produces.add(appended.lastOffset + 1, timeoutMs, (error) => done(error ? this.failedProduce(error) : result));
    }
    this.events.logEndOffsetChanged();
    this.advanceHighWatermark();
    if (!waitForIsr) done(result);
  }

  /**
   * The fetch offset is the follower's log end offset. A last fetched epoch whose end on this
   * leader lies before it, or that this leader does not know, means the follower diverged: it is
   * told where and gets no records (its fetch says nothing reliable about its progress).
   */
  serveFollowerFetch(fetch: FollowerPosition, follower: FetchingFollower): LeaderRead {
    if (!this.state.follower(follower.replicaId)) {
      return this.failedRead(errors.notLeaderOrFollower(`broker ${follower.replicaId} is not a replica of this partition`));
    }
    const leo = this.log.logEndOffset();
    // A follower at this log's end whose last batch carries this log's latest epoch cannot have
    // diverged and has nothing to read: the common case of an idle partition, kept cheap.
    const caughtUp = fetch.fetchOffset === leo && fetch.lastFetchedEpoch === this.log.latestEpoch();
    if (!caughtUp && fetch.lastFetchedEpoch >= 0) {
      const end = this.epochEndOffset(fetch.lastFetchedEpoch);
      if (end.epoch < fetch.lastFetchedEpoch || end.endOffset < fetch.fetchOffset) {
        return { ...this.position(), records: NO_RECORDS, divergingEpoch: { epoch: end.epoch, endOffset: end.endOffset } };
      }
    }
    if (fetch.fetchOffset < this.log.logStartOffset() || fetch.fetchOffset > leo) return this.failedRead(this.outOfRange(fetch.fetchOffset));
    const nowMs = this.ctx.clock.monotonic();
    const effect = this.state.recordFollowerFetch(follower.replicaId, fetch.fetchOffset, fetch.logStartOffset, follower.brokerEpoch, nowMs, leo, this.ctx.brokerEpoch());
    if (effect.isrExpansion) this.propose(effect.isrExpansion, 'expand', [follower.replicaId]);
    if (effect.highWatermarkAdvanced) this.onHighWatermarkAdvanced();
    if (fetch.fetchOffset === leo) return { highWatermark: this.state.highWatermark(), logStartOffset: this.log.logStartOffset(), records: NO_RECORDS };
    return this.readOrFail(() => this.log.read(fetch.fetchOffset, follower.maxBytes).records);
  }

  /** Consumers read only below the high watermark, never uncommitted data. */
  serveConsumerFetch(fetchOffset: number, maxBytes: number): LeaderRead {
    if (fetchOffset < this.log.logStartOffset() || fetchOffset > this.log.logEndOffset()) return this.failedRead(this.outOfRange(fetchOffset));
    const hw = this.state.highWatermark();
    return this.readOrFail(() => (fetchOffset < hw ? this.log.read(fetchOffset, maxBytes, hw).records : NO_RECORDS));
  }

  maybeShrinkIsr(): AlterPartitionRequest | undefined {
    const nowMs = this.ctx.clock.monotonic();
    const leo = this.log.logEndOffset();
    const lagging = this.state.laggingIsrMembers(nowMs, leo);
    const request = this.state.proposeShrinkIfLagging(nowMs, leo, this.ctx.brokerEpoch());
    if (request) this.propose(request, 'shrink', lagging);
    return request;
  }

  onAlterPartitionResponse(request: AlterPartitionRequest, result: PartitionRegistration | Error): AlterPartitionOutcome {
    const outcome = this.state.isr.onResponse(request, result);
    const log = this.ctx.logger;
    const proposed = this.proposed?.request === request ? this.proposed.event : undefined;
    if (proposed && outcome !== 'retry') this.proposed = undefined;
    if (outcome === 'committed') {
      const leader = { leader: this.ctx.brokerId, leaderEpoch: request.leaderEpoch };
      log.info({ ...proposed, ...leader, isr: this.state.isr.isr(), partitionEpoch: this.state.isr.partitionEpoch() }, 'ISR change committed');
      // A shrink can let the high watermark move, and a smaller ISR changes waiting produces' answers.
      this.advanceHighWatermark();
    } else if (outcome === 'rejected') {
      log.warn({ proposedIsr: request.newIsr, error: (result as Error).message }, 'ISR change rejected; waiting for metadata');
    } else if (outcome === 'ineligible') {
      log.warn({ proposedIsr: request.newIsr, isr: this.state.isr.isr(), error: (result as Error).message }, 'ISR change refused: replica not eligible; keeping the committed ISR');
      // The maximal ISR is the committed one again: the replica whose addition was refused (fenced,
      // or in controlled shutdown and about to exit) no longer holds the high watermark back, and
      // the acks=all produces waiting on it complete.
      this.advanceHighWatermark();
    } else if (outcome === 'retry') {
      log.debug({ proposedIsr: request.newIsr, error: (result as Error).message }, 'ISR change outcome unknown; will resend');
    }
    return outcome;
  }

  /** Metadata for this leader epoch with a newer partition epoch: the ISR or the assignment changed. */
  onMetadata(registration: PartitionRegistration): boolean {
    if (!this.state.isr.onMetadata(registration.isr, registration.partitionEpoch)) return false;
    this.state.updateAssignment(registration.replicas, this.ctx.clock.monotonic(), this.log.logEndOffset());
    // The metadata can bring this leader's own ISR change before the controller's answer does (the
    // answer is then ignored): its event is logged here instead.
    const proposed = this.proposed && sameMembers(this.proposed.request.newIsr, registration.isr) ? this.proposed : undefined;
    if (proposed) this.proposed = undefined;
    const event = proposed ? { ...proposed.event, leader: this.ctx.brokerId, leaderEpoch: registration.leaderEpoch } : {};
    this.ctx.logger.info({ ...event, isr: registration.isr, partitionEpoch: registration.partitionEpoch }, 'ISR updated from metadata');
    this.advanceHighWatermark();
    return true;
  }

  /**
   * The end of `epoch` in this leader's log. The log records the current epoch only at its first
   * append, so until then an epoch newer than the log's latest (a former leader's own epoch) ends
   * where this leader's epoch begins: at the log end.
   */
  private epochEndOffset(epoch: number): { epoch: number; endOffset: number } {
    const latest = this.log.latestEpoch();
    if (latest >= 0 && epoch > latest) return { epoch: latest, endOffset: this.log.logEndOffset() };
    return this.log.endOffsetForEpoch(epoch);
  }

  /** Recomputes the high watermark, then settles the waiting produces it (or an ISR change) decides. */
  advanceHighWatermark(): void {
    if (this.state.maybeAdvanceHighWatermark(this.log.logEndOffset())) this.onHighWatermarkAdvanced();
    else this.settleWaitingProduces();
  }

  private onHighWatermarkAdvanced(): void {
    this.settleWaitingProduces();
    this.events.highWatermarkChanged();
  }

  private settleWaitingProduces(): void {
    this.produces.onHighWatermark(this.state.highWatermark(), this.state.isr.isr().length, this.ctx.minInsyncReplicas());
  }

  private propose(request: AlterPartitionRequest, kind: 'expand' | 'shrink', replicas: readonly BrokerId[]): void {
    this.ctx.logger.info(
      { isr: this.state.isr.isr(), proposedIsr: request.newIsr, replicas, partitionEpoch: request.partitionEpoch },
      `proposing ISR ${kind}`,
    );
    this.proposed = { request, event: describeIsrChange(this.state, kind, replicas, this.ctx.clock.monotonic(), this.ctx.replicaLagTimeMaxMs) };
    this.events.isrChangeProposed(request);
  }

  private readOrFail(read: () => Buffer): LeaderRead {
    try {
      return { ...this.position(), records: read() };
    } catch (e) {
      if (isBrokerError(e)) return this.failedRead(e);
      throw e;
    }
  }

  private position(): { highWatermark: number; logStartOffset: number } {
    return { highWatermark: this.state.highWatermark(), logStartOffset: this.log.logStartOffset() };
  }

  private failedRead(error: BrokerError): LeaderRead {
    return { ...this.position(), error, records: NO_RECORDS };
  }

  private outOfRange(offset: number): BrokerError {
    return errors.offsetOutOfRange(`offset ${offset} outside [${this.log.logStartOffset()}, ${this.log.logEndOffset()}]`);
  }

  private failedProduce(error: BrokerError): ProduceResult {
    return { error, baseOffset: -1, lastOffset: -1, logStartOffset: this.log.logStartOffset() };
  }
}

function sameMembers(a: readonly BrokerId[], b: readonly BrokerId[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}
