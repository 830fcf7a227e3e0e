/**
 * A consumer of explicitly assigned partitions (`assign`), or a member of a consumer group
 * (`groupId` and `subscribe`), whose partitions the group's leader assigns. `poll` long-polls the
 * leaders and returns records in offset order per partition, `seek` moves a position,
 * `pause`/`resume` stop and restart partitions, `commit` stores the group's committed offsets,
 * and `for await (const record of consumer)` reads until `close`. Positions advance only as
 * records are returned, never as they are fetched.
 *
 * In a group, a newly assigned partition starts at the group's committed offset (else per
 * `autoOffsetReset`). On a rebalance the positions of revoked partitions are dropped: records
 * returned but not committed are read again by the partition's next owner (at-least-once), which
 * is why commits belong after processing.
 */
import { BrokerError, errors } from '../common/errors.js';
import type { BrokerPool } from './broker-pool.js';
import { CoordinatorLink } from './coordinator-link.js';
import { Fetcher, newAssignedPartition, type AssignedPartition } from './fetcher.js';
import { GroupMembership } from './group-membership.js';
import { commitOffsets, type OffsetToCommit } from './group-offsets.js';
import { MetadataCache } from './metadata-cache.js';
import { resolveConsumerOptions, type ConsumerOptions, type ResolvedClientOptions, type ResolvedConsumerOptions } from './options.js';
import { PositionLookup } from './position-lookup.js';
import { monotonicNowMs, sleep, withRetries } from './retry.js';
import { partitionKey, type ConsumedRecord, type OffsetSpec, type TopicPartition } from './types.js';

export interface PartitionAssignment extends TopicPartition {
  offset: OffsetSpec;
}

export interface PollOptions {
  /** Longest wait for records (default: the consumer's `maxWaitMs`). */
  maxWaitMs?: number;
}

export interface ConsumerCloseOptions {
  /** Bound on the final commit (auto-commit) and on leaving the group (default: the request timeout). */
  timeoutMs?: number;
}

export class Consumer implements AsyncIterable<ConsumedRecord> {
  private readonly options: ResolvedConsumerOptions;
  private readonly metadata: MetadataCache;
  private readonly fetcher: Fetcher;
  private readonly positions: PositionLookup;
  private readonly link: CoordinatorLink | undefined;
  private readonly membership: GroupMembership | undefined;
  private readonly assigned = new Map<string, AssignedPartition>();
  /** Topics subscribed to through the group; undefined for a consumer of assigned partitions. */
  private subscription: string[] | undefined;
  private nextAutoCommitAtMs: number;
  private autoCommitError: BrokerError | undefined;
  private closing: Promise<void> | undefined;
  private closed = false;

  constructor(
    pool: BrokerPool,
    clientOptions: ResolvedClientOptions,
    options: ConsumerOptions = {},
  ) {
    this.options = resolveConsumerOptions(options, clientOptions);
    this.metadata = new MetadataCache(pool, {
      requestTimeoutMs: this.options.requestTimeoutMs,
      metadataMaxAgeMs: clientOptions.metadataMaxAgeMs,
      refreshMinIntervalMs: this.options.retryBackoffMs,
    });
    this.fetcher = new Fetcher(pool, this.metadata, this.options);
    if (this.options.groupId !== undefined) {
      this.link = new CoordinatorLink(pool, this.metadata, this.options.groupId, this.options);
      this.membership = new GroupMembership(this.link, this.metadata, { ...this.options, clientId: clientOptions.clientId });
    }
    this.positions = new PositionLookup(pool, this.metadata, this.fetcher, this.options, this.link);
    this.nextAutoCommitAtMs = monotonicNowMs() + this.options.autoCommitIntervalMs;
  }

  /** Replaces the assignment. Each partition starts at an offset, or at the log's start or end. */
  assign(assignments: readonly PartitionAssignment[]): void {
    this.assertOpen();
    if (this.subscription) throw errors.invalidRequest('this consumer subscribes through its group; it cannot also assign partitions');
    this.assigned.clear();
    for (const { topic, partition, offset } of assignments) {
      const state = newAssignedPartition(topic, partition);
      this.assigned.set(partitionKey(state), state);
      this.moveTo(state, offset);
    }
    this.metadata.addTopics(new Set(assignments.map((a) => a.topic)));
  }

  /** Joins the consumer's group (on the next poll) with a subscription to `topics`; the group assigns the partitions. */
  subscribe(topics: readonly string[]): void {
    this.assertOpen();
    if (!this.membership) throw errors.invalidGroupId('subscribe needs a groupId');
    if (this.assigned.size > 0 && !this.subscription) throw errors.invalidRequest('this consumer has assigned partitions; it cannot also subscribe');
    if (topics.length === 0) throw errors.invalidRequest('subscribe needs at least one topic');
    this.subscription = [...new Set(topics)].sort();
    this.metadata.addTopics(this.subscription);
    this.membership.requestRejoin();
  }

  /** Why the last auto-commit failed, if it did (auto-commits never throw; the next one tries again). */
  lastAutoCommitError(): BrokerError | undefined {
    return this.autoCommitError;
  }

  /** The group, and this member's id and generation in it (Kafka's groupMetadata()); undefined without a groupId. */
  groupMetadata(): { groupId: string; generationId: number; memberId: string } | undefined {
    if (!this.membership) return undefined;
    return { groupId: this.options.groupId!, ...this.membership.generation() };
  }

  assignment(): TopicPartition[] {
    return [...this.assigned.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Moves a partition's position; records fetched for the old position are dropped. */
  seek(tp: TopicPartition, offset: OffsetSpec): void {
    this.assertOpen();
    this.moveTo(this.stateOf(tp), offset);
  }

  /** Stops fetching the partitions and returning their records, until `resume`. Positions stay. */
  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.stateOf(tp).paused = true;
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.stateOf(tp).paused = false;
  }

  paused(): TopicPartition[] {
    return [...this.assigned.values()].filter((s) => s.paused).map(({ topic, partition }) => ({ topic, partition }));
  }

  /** The offset of the next record `poll` returns for the partition, looking it up if it is not known yet. */
  async position(tp: TopicPartition): Promise<number> {
    const state = this.stateOf(tp);
    if (state.reset) {
      await withRetries(
        async () => {
          await this.positions.resolve([state]);
          const failure = this.fetcher.takeFailure();
          if (failure) throw failure;
          if (state.reset) throw errors.leaderNotAvailable(`no offset found yet for ${tp.topic}-${tp.partition}`);
        },
        { ...this.options, timeoutMs: this.options.requestTimeoutMs, maxAttempts: Number.MAX_SAFE_INTEGER },
      );
    }
    return state.position!;
  }

  /**
   * Records from the assigned partitions, at most `maxPollRecords`, waiting up to `maxWaitMs` for
   * some to arrive (an empty list then). In a group it first joins (again) if needed, and returns
   * nothing while the join is not complete. Throws OFFSET_OUT_OF_RANGE when a position is out of
   * range and `autoOffsetReset` is 'none', and non-retriable fetch and group errors.
   */
  async poll(options: PollOptions = {}): Promise<ConsumedRecord[]> {
    this.assertOpen();
    const waitMs = options.maxWaitMs ?? this.options.maxWaitMs;
    const deadlineMs = monotonicNowMs() + waitMs;
    if (this.subscription) {
      this.maybeAutoCommit();
      if (!(await this.ensureGroupActive(deadlineMs))) return [];
    }
    await this.metadataForAssignment(Math.max(1, deadlineMs - monotonicNowMs()));
    for (;;) {
      const records = this.takeBuffered();
      if (records.length > 0) return records;
      const failure = this.fetcher.takeFailure();
      if (failure) throw failure;
      const remainingMs = deadlineMs - monotonicNowMs();
      if (remainingMs <= 0 || this.closed) return [];
      await this.positions.resolve([...this.assigned.values()].filter((s) => s.reset && s.retryAtMs <= monotonicNowMs()));
      this.fetcher.start(this.assigned.values(), Math.max(0, Math.floor(deadlineMs - monotonicNowMs())));
      const idleMs = Math.min(Math.max(1, deadlineMs - monotonicNowMs()), this.options.retryBackoffMs);
      // Nothing in flight (no leader, backing off, all paused): wait a little rather than spin.
      if (this.fetcher.inFlightCount() === 0) await sleep(idleMs);
      else await Promise.race([this.fetcher.anySettled(), sleep(Math.max(1, deadlineMs - monotonicNowMs()))]);
    }
  }

  /**
   * Commits offsets for the group: the given ones, or by default the position of every assigned
   * partition, which is the offset after the last record `poll` returned (where the partition
   * started, if it returned none yet). Call it once those records are processed. A member the
   * group has moved on from is refused (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION,
   * UNKNOWN_MEMBER_ID) and rejoins on its next poll; its partitions may belong to another member.
   */
  async commit(offsets?: readonly OffsetToCommit[]): Promise<void> {
    this.assertOpen();
    await this.commitNow(offsets ?? this.consumedOffsets(), this.options.requestTimeoutMs);
  }

  /** Polls until the consumer is closed, yielding records one by one. */
  async *[Symbol.asyncIterator](): AsyncIterator<ConsumedRecord> {
    while (!this.closed) {
      for (const record of await this.poll()) yield record;
    }
  }

  /**
   * Stops fetching (fetches in flight finish on their own and their records are dropped). A group
   * member auto-commits if enabled and leaves the group, so its partitions move at once rather
   * than after its session times out; both bounded by `timeoutMs`, and never throwing.
   */
  close(options: ConsumerCloseOptions = {}): Promise<void> {
    this.closing ??= this.shutdown(options);
    return this.closing;
  }

  private async shutdown(options: ConsumerCloseOptions): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    const startedMs = monotonicNowMs();
    if (this.membership && this.subscription) {
      if (this.options.autoCommit && this.membership.status() === 'stable') await this.commitQuietly(timeoutMs);
      await this.membership.leave(Math.max(1, timeoutMs - (monotonicNowMs() - startedMs)));
    }
    this.link?.close();
    this.closed = true;
    this.metadata.close();
    for (const state of this.assigned.values()) state.generation++;
  }

  /** Joins or rejoins the group if needed; true once the member holds its assignment. */
  private async ensureGroupActive(deadlineMs: number): Promise<boolean> {
    const membership = this.membership!;
    if (membership.assignmentOutdated()) membership.requestRejoin();
    if (membership.status() === 'unjoined') {
      // As Kafka's consumer does before a rebalance, auto-commit what was returned while the partitions are still ours.
      if (this.options.autoCommit && membership.generation().generationId >= 0) await this.commitQuietly(this.options.requestTimeoutMs);
      membership.startJoin(this.subscription!);
    }
    await membership.waitForJoin(deadlineMs);
    const assigned = membership.takeNewAssignment();
    if (assigned) this.applyAssignment(assigned.partitions, assigned.lost);
    const error = membership.takeJoinError();
    if (error && !error.retriable) throw error;
    return membership.status() === 'stable';
  }

  /**
   * Takes the group's new assignment. Kept partitions keep their positions, unless this member
   * lost its membership meanwhile (another member may have owned them); revoked ones are dropped.
   */
  private applyAssignment(partitions: readonly TopicPartition[], lost: boolean): void {
    const next = new Set(partitions.map(partitionKey));
    for (const [key, state] of this.assigned) {
      if (next.has(key) && !lost) continue;
      state.generation++;
      this.assigned.delete(key);
    }
    for (const tp of partitions) {
      if (this.assigned.has(partitionKey(tp))) continue;
      const state = newAssignedPartition(tp.topic, tp.partition);
      state.reset = 'committed';
      this.assigned.set(partitionKey(tp), state);
    }
    this.metadata.addTopics(new Set(partitions.map((tp) => tp.topic)));
  }

  /** Positions of the assigned partitions that have one: what `commit()` commits. */
  private consumedOffsets(): OffsetToCommit[] {
    return [...this.assigned.values()]
      .filter((s) => s.position !== undefined && s.reset === undefined)
      .map((s) => ({ topic: s.topic, partition: s.partition, offset: s.position! }));
  }

  private async commitNow(offsets: readonly OffsetToCommit[], timeoutMs: number): Promise<void> {
    if (!this.link) throw errors.invalidGroupId('commit needs a groupId');
    // Partitions assigned by hand commit from outside group management (generation -1).
    const generation = this.subscription ? this.membership!.generation() : { generationId: -1, memberId: '' };
    try {
      await commitOffsets(this.link, generation, offsets, timeoutMs);
    } catch (e) {
      if (e instanceof BrokerError && this.subscription) this.membership!.onGroupError(e);
      throw e;
    }
  }

  private maybeAutoCommit(): void {
    if (!this.options.autoCommit) return;
    const nowMs = monotonicNowMs();
    if (nowMs < this.nextAutoCommitAtMs || this.membership!.status() !== 'stable') return;
    this.nextAutoCommitAtMs = nowMs + this.options.autoCommitIntervalMs;
    void this.commitQuietly(this.options.requestTimeoutMs);
  }

  private async commitQuietly(timeoutMs: number): Promise<void> {
    const offsets = this.consumedOffsets();
    if (offsets.length === 0) return;
    try {
      await this.commitNow(offsets, timeoutMs);
      this.autoCommitError = undefined;
    } catch (e) {
      if (!(e instanceof BrokerError)) throw e;
      this.autoCommitError = e;
    }
  }

  private moveTo(state: AssignedPartition, offset: OffsetSpec): void {
    if (typeof offset === 'number' && !(Number.isSafeInteger(offset) && offset >= 0)) {
      throw errors.invalidRequest(`offset ${offset} for ${state.topic}-${state.partition} is not a non-negative integer`);
    }
    state.generation++;
    state.buffer = [];
    state.retryAtMs = 0;
    state.failures = 0;
    state.position = typeof offset === 'number' ? offset : undefined;
    state.reset = typeof offset === 'number' ? undefined : offset;
  }

  /** Up to maxPollRecords buffered records of partitions not paused, partition by partition, advancing positions. */
  private takeBuffered(): ConsumedRecord[] {
    const taken: ConsumedRecord[] = [];
    for (const state of this.assigned.values()) {
      if (taken.length >= this.options.maxPollRecords) break;
      if (state.buffer.length === 0 || state.paused) continue;
      const batch = state.buffer.splice(0, this.options.maxPollRecords - taken.length);
      taken.push(...batch);
      state.position = batch[batch.length - 1]!.offset + 1;
    }
    return taken;
  }

  /** A poll waits, within its own wait, for the metadata of assigned topics not known yet. */
  private async metadataForAssignment(waitMs: number): Promise<void> {
    const topics = new Set([...this.assigned.values()].map((s) => s.topic));
    for (const topic of topics) {
      if (this.metadata.topic(topic)) continue;
      try {
        await this.metadata.waitForTopic(topic, Math.max(1, waitMs));
      } catch (e) {
        // A retriable gap is waited out by the next poll; anything else is the caller's to see.
        if (!(e instanceof BrokerError) || !e.retriable) throw e;
      }
    }
  }

  private stateOf(tp: TopicPartition): AssignedPartition {
    const state = this.assigned.get(partitionKey(tp));
    if (!state) throw errors.invalidRequest(`${tp.topic}-${tp.partition} is not assigned to this consumer`);
    return state;
  }

  private assertOpen(): void {
    if (this.closed) throw errors.invalidRequest('the consumer is closed');
  }
}
