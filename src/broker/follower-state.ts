/**
 * A follower replica's side of replication for one partition: builds the next fetch and applies
 * the leader's answer to the local log.
 *
 * - Diverged (the answer carries `divergingEpoch`): truncate to where the two logs last agree,
 *   then fetch again. Each truncation strictly shortens the log or lowers its latest epoch, so a
 *   few rounds converge on the leader's log.
 * - Records: append them as stamped by the leader; HW = min(own LEO, leader's HW); follow the
 *   leader's log start offset.
 * - Out of range below the leader's log start: the leader no longer has what we need, so empty
 *   the log and restart it at the leader's log start.
 */
import { assert, isBrokerError, type BrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { BATCH_HEADER_SIZE, lastOffsetOf, readBatchHeader } from '../log/batch/layout.js';
import type { PartitionLog } from '../log/types.js';
import type { BrokerId } from '../metadata/types.js';
import type { DivergingEpoch, ReplicaFetchPartitionRequest, ReplicaFetchPartitionResponse } from './fetch-messages.js';

/** The part of a fetch request this follower decides (the caller adds topic id and partition). */
export type FollowerFetchPosition = Omit<ReplicaFetchPartitionRequest, 'topicId' | 'partition'>;

export type FollowerFetchOutcome =
  /** The answer no longer matches this follower (its log or leader epoch moved since the request). */
  | { readonly kind: 'stale' }
  | { readonly kind: 'appended'; readonly bytes: number }
  | { readonly kind: 'truncated'; readonly toOffset: number }
  /** The partition backs off before fetching again. */
  | { readonly kind: 'error'; readonly error: BrokerError };

export class FollowerState {
  private hw: number;
  /** The leader's high watermark in its last answer; -1 before the first. Gives the fetch lag. */
  private leaderHw = -1;
  private backoffUntilMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly log: PartitionLog,
    readonly leaderId: BrokerId,
    readonly leaderEpoch: number,
    highWatermark: number,
    private readonly errorBackoffMs: number,
    private readonly logger: Logger,
  ) {
    this.hw = Math.max(log.logStartOffset(), Math.min(highWatermark, log.logEndOffset()));
  }

  highWatermark(): number {
    return this.hw;
  }

  /**
   * Records this replica misses of what the leader has committed, as of the leader's last
   * answer (Kafka's replica fetcher lag); 0 before the first answer.
   */
  lagRecords(): number {
    return this.leaderHw < 0 ? 0 : Math.max(0, this.leaderHw - this.log.logEndOffset());
  }

  /** When this partition may fetch again after an error (-Infinity if it never failed). */
  fetchableAtMs(): number {
    return this.backoffUntilMs;
  }

  /**
   * Where to fetch from next, or undefined while backing off after an error; `previous` itself
   * when the position has not moved since it (an idle partition allocates nothing).
   */
  nextFetch<P extends FollowerFetchPosition>(nowMs: number, previous?: P): P | FollowerFetchPosition | undefined {
    if (nowMs < this.backoffUntilMs) return undefined;
    const fetchOffset = this.log.logEndOffset();
    const lastFetchedEpoch = this.log.latestEpoch();
    const logStartOffset = this.log.logStartOffset();
    if (
      previous &&
      previous.fetchOffset === fetchOffset &&
      previous.lastFetchedEpoch === lastFetchedEpoch &&
      previous.currentLeaderEpoch === this.leaderEpoch &&
      previous.logStartOffset === logStartOffset &&
      previous.knownHighWatermark === this.leaderHw
    ) {
      return previous;
    }
    return { fetchOffset, lastFetchedEpoch, currentLeaderEpoch: this.leaderEpoch, logStartOffset, knownHighWatermark: this.leaderHw };
  }

  applyFetchResponse(request: FollowerFetchPosition, response: ReplicaFetchPartitionResponse, nowMs: number): FollowerFetchOutcome {
    if (request.currentLeaderEpoch !== this.leaderEpoch || request.fetchOffset !== this.log.logEndOffset()) return { kind: 'stale' };
    try {
      if (response.error) return this.onError(request, response, nowMs);
      if (response.divergingEpoch) return this.truncateToDivergence(response.divergingEpoch, response.logStartOffset);
      return this.append(response);
    } catch (e) {
      // A local refusal (a corrupt batch, an append not at our end): back off and fetch again.
      if (!isBrokerError(e)) throw e;
      return this.backOff(e, nowMs);
    }
  }

  private append(response: ReplicaFetchPartitionResponse): FollowerFetchOutcome {
    let bytes = 0;
    if (response.records.length > 0) {
      this.restartAtBatchHoldingLogStart(response.records);
      bytes = this.log.appendAsFollower(response.records).sizeInBytes;
    }
    const leo = this.log.logEndOffset();
    this.leaderHw = response.highWatermark;
    this.hw = Math.max(this.log.logStartOffset(), Math.min(leo, response.highWatermark));
    // The log start may not pass the high watermark; the leader's never passes its own.
    const followedStart = Math.min(response.logStartOffset, this.hw);
    if (followedStart > this.log.logStartOffset()) this.log.advanceLogStartOffset(followedStart);
    assert(this.hw <= leo, `follower hw ${this.hw} <= leo ${leo}`);
    return { kind: 'appended', bytes };
  }

  /**
   * A leader whose log start lies inside a batch sends that whole batch to a follower that
   * restarted at the log start. An empty log can take it by restarting at the batch's first offset.
   */
  private restartAtBatchHoldingLogStart(records: Buffer): void {
    const leo = this.log.logEndOffset();
    if (records.length < BATCH_HEADER_SIZE || this.log.logStartOffset() !== leo) return;
    const first = readBatchHeader(records, 0);
    if (first.baseOffset < leo && lastOffsetOf(first) >= leo) this.log.truncateFullyAndStartAt(first.baseOffset);
  }

  /**
   * Kafka's truncation rule: find the end of the leader's diverging epoch in our own log; if we do
   * not have that exact epoch, truncate to the end of our largest smaller one and ask again.
   */
  private truncateToDivergence(diverging: DivergingEpoch, leaderLogStartOffset: number): FollowerFetchOutcome {
    const leo = this.log.logEndOffset();
    if (diverging.epoch < 0 || diverging.endOffset < 0) {
      // The leader knows no epoch at or below ours: nothing we hold can be matched against it.
      return this.restartAt(leaderLogStartOffset, `leader knows no epoch <= ours`);
    }
    const own = this.log.endOffsetForEpoch(diverging.epoch);
    let target: number;
    if (own.epoch < 0 || own.endOffset < 0) target = Math.min(diverging.endOffset, leo);
    else if (own.epoch !== diverging.epoch) target = Math.min(own.endOffset, leo);
    else target = Math.min(own.endOffset, diverging.endOffset, leo);
    if (target < this.log.logStartOffset()) return this.restartAt(Math.max(target, leaderLogStartOffset), 'diverged below our log start');
    if (target < this.hw) {
      this.logger.warn({ target, highWatermark: this.hw }, 'truncating below the high watermark');
    }
    this.logger.info({ fromOffset: leo, toOffset: target, divergingEpoch: diverging.epoch, leaderEndOffset: diverging.endOffset }, 'truncating diverged log');
    this.log.truncateTo(target);
    this.hw = Math.min(this.hw, target);
    return { kind: 'truncated', toOffset: target };
  }

  private onError(request: FollowerFetchPosition, response: ReplicaFetchPartitionResponse, nowMs: number): FollowerFetchOutcome {
    const error = response.error!;
    if (error.kafkaName !== 'OFFSET_OUT_OF_RANGE') return this.backOff(error, nowMs);
    if (request.fetchOffset < response.logStartOffset) {
      return this.restartAt(response.logStartOffset, 'fetch offset below the leader log start');
    }
    // Past the leader's end: only possible for a log the leader never had (for example after an
    // unclean election). What the leader has committed is safe to keep.
    const target = Math.min(this.log.logEndOffset(), response.highWatermark);
    if (target < this.log.logStartOffset()) return this.restartAt(Math.max(target, response.logStartOffset), 'log beyond the leader end');
    this.logger.info({ fromOffset: this.log.logEndOffset(), toOffset: target }, 'truncating to the leader high watermark: fetch offset beyond its log end');
    this.log.truncateTo(target);
    this.hw = Math.min(this.hw, target);
    return { kind: 'truncated', toOffset: target };
  }

  private restartAt(offset: number, reason: string): FollowerFetchOutcome {
    this.logger.info({ fromOffset: this.log.logEndOffset(), startOffset: offset, reason }, 'emptying the log and restarting it');
    this.log.truncateFullyAndStartAt(offset);
    this.hw = offset;
    return { kind: 'truncated', toOffset: offset };
  }

  private backOff(error: BrokerError, nowMs: number): FollowerFetchOutcome {
    this.backoffUntilMs = nowMs + this.errorBackoffMs;
    this.logger.debug({ error: error.kafkaName, backoffUntilMs: this.backoffUntilMs }, 'fetch failed for partition; backing off');
    return { kind: 'error', error };
  }
}
