/**
 * A consumer of explicitly assigned partitions (consumer groups come later). `assign` sets where
 * each partition starts, `poll` long-polls the leaders and returns records in offset order per
 * partition, `seek` moves a position, and `for await (const record of consumer)` reads until
 * `close`. Positions advance only as records are returned, never as they are fetched.
 */
import { BrokerError, errors } from '../common/errors.js';
import type { BrokerPool } from './broker-pool.js';
import { Fetcher, newAssignedPartition, type AssignedPartition } from './fetcher.js';
import { listOffsets } from './list-offsets.js';
import { MetadataCache } from './metadata-cache.js';
import { resolveConsumerOptions, type ConsumerOptions, type ResolvedClientOptions, type ResolvedConsumerOptions } from './options.js';
import { monotonicNowMs, sleep, withRetries } from './retry.js';
import { partitionKey, type ConsumedRecord, type OffsetSpec, type TopicPartition } from './types.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from './wire.js';

export interface PartitionAssignment extends TopicPartition {
  offset: OffsetSpec;
}

export interface PollOptions {
  /** Longest wait for records (default: the consumer's `maxWaitMs`). */
  maxWaitMs?: number;
}

export class Consumer implements AsyncIterable<ConsumedRecord> {
  private readonly options: ResolvedConsumerOptions;
  private readonly metadata: MetadataCache;
  private readonly fetcher: Fetcher;
  private readonly assigned = new Map<string, AssignedPartition>();
  private closed = false;

  constructor(
    private readonly pool: BrokerPool,
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
  }

  /** Replaces the assignment. Each partition starts at an offset, or at the log's start or end. */
  assign(assignments: readonly PartitionAssignment[]): void {
    this.assertOpen();
    this.assigned.clear();
    for (const { topic, partition, offset } of assignments) {
      const state = newAssignedPartition(topic, partition);
      this.assigned.set(partitionKey(state), state);
      this.moveTo(state, offset);
    }
    this.metadata.addTopics(new Set(assignments.map((a) => a.topic)));
  }

  assignment(): TopicPartition[] {
    return [...this.assigned.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Moves a partition's position; records fetched for the old position are dropped. */
  seek(tp: TopicPartition, offset: OffsetSpec): void {
    this.assertOpen();
    this.moveTo(this.stateOf(tp), offset);
  }

  /** The offset of the next record `poll` returns for the partition, looking it up if it is 'earliest'/'latest'. */
  async position(tp: TopicPartition): Promise<number> {
    const state = this.stateOf(tp);
    if (state.reset) {
      await withRetries(
        async () => {
          await this.resolveResets([state]);
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
   * some to arrive (an empty list then). Throws OFFSET_OUT_OF_RANGE when a position is out of
   * range and `autoOffsetReset` is 'none', and non-retriable fetch errors.
   */
  async poll(options: PollOptions = {}): Promise<ConsumedRecord[]> {
    this.assertOpen();
    const waitMs = options.maxWaitMs ?? this.options.maxWaitMs;
    const deadlineMs = monotonicNowMs() + waitMs;
    await this.metadataForAssignment(waitMs);
    for (;;) {
      const records = this.takeBuffered();
      if (records.length > 0) return records;
      const failure = this.fetcher.takeFailure();
      if (failure) throw failure;
      const remainingMs = deadlineMs - monotonicNowMs();
      if (remainingMs <= 0 || this.closed) return [];
      await this.resolveResets([...this.assigned.values()].filter((s) => s.reset && s.retryAtMs <= monotonicNowMs()));
      this.fetcher.start(this.assigned.values(), Math.max(0, Math.floor(deadlineMs - monotonicNowMs())));
      const idleMs = Math.min(Math.max(1, deadlineMs - monotonicNowMs()), this.options.retryBackoffMs);
      // Nothing in flight (no leader, backing off): wait a little rather than spin.
      if (this.fetcher.inFlightCount() === 0) await sleep(idleMs);
      else await Promise.race([this.fetcher.anySettled(), sleep(Math.max(1, deadlineMs - monotonicNowMs()))]);
    }
  }

  /** Polls until the consumer is closed, yielding records one by one. */
  async *[Symbol.asyncIterator](): AsyncIterator<ConsumedRecord> {
    while (!this.closed) {
      for (const record of await this.poll()) yield record;
    }
  }

  /** Stops fetching; fetches in flight finish on their own and their records are dropped. */
  close(): void {
    this.closed = true;
    this.metadata.close();
    for (const state of this.assigned.values()) state.generation++;
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

  /** Up to maxPollRecords buffered records, partition by partition, advancing positions. */
  private takeBuffered(): ConsumedRecord[] {
    const taken: ConsumedRecord[] = [];
    for (const state of this.assigned.values()) {
      if (taken.length >= this.options.maxPollRecords) break;
      if (state.buffer.length === 0) continue;
      const batch = state.buffer.splice(0, this.options.maxPollRecords - taken.length);
      taken.push(...batch);
      state.position = batch[batch.length - 1]!.offset + 1;
    }
    return taken;
  }

  /** Looks up 'earliest'/'latest' positions; failures back the partition off for the next poll. */
  private async resolveResets(states: AssignedPartition[]): Promise<void> {
    if (states.length === 0) return;
    const requests = states.map((s) => ({
      topic: s.topic,
      partition: s.partition,
      timestamp: s.reset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP,
    }));
    const generations = states.map((s) => s.generation);
    const outcomes = await listOffsets(this.pool, this.metadata, requests, this.options.requestTimeoutMs);
    states.forEach((state, i) => {
      if (state.generation !== generations[i]) return;
      const outcome = outcomes.get(partitionKey(state))!;
      if (outcome.error === undefined) {
        state.position = outcome.offset;
        state.reset = undefined;
        state.failures = 0;
      } else if (outcome.error.retriable) {
        this.fetcher.backOff(state, outcome.error);
      } else {
        throw outcome.error;
      }
    });
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
