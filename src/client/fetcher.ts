/**
 * Fetches for the consumer's assigned partitions: one long-poll Fetch in flight per leader at a
 * time, covering that leader's partitions that have a position and no buffered records. Answers
 * are decoded into each partition's buffer unless the partition was sought meanwhile (its
 * generation changed). Errors are sorted per partition: stale metadata refreshes metadata and backs
 * off; OFFSET_OUT_OF_RANGE resets the position per `autoOffsetReset` or is kept for `poll` to throw.
 */
import { BrokerError } from '../common/errors.js';
import type { BrokerPool } from './broker-pool.js';
import { decodeFetchedRecords } from './fetched-records.js';
import type { MetadataCache } from './metadata-cache.js';
import type { ResolvedConsumerOptions } from './options.js';
import { backoffDelayMs, monotonicNowMs } from './retry.js';
import { partitionKey, type ConsumedRecord } from './types.js';
import type { FetchedPartition, FetchPartition } from './wire.js';

export interface AssignedPartition {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the next record `poll` returns; undefined until a reset resolves it. */
  position: number | undefined;
  /** A position to look up before fetching: the group's committed offset, or the log's start or end (ListOffsets). */
  reset: 'committed' | 'earliest' | 'latest' | undefined;
  /** Not fetched, and its records not returned, until resumed. */
  paused: boolean;
  /** Fetched records from `position` on, not yet returned. */
  buffer: ConsumedRecord[];
  /** Bumped by every seek so answers to older fetches are dropped. */
  generation: number;
  fetching: boolean;
  /** Not fetched again before this monotonic time (after an error). */
  retryAtMs: number;
  /** Consecutive failures, for the backoff. */
  failures: number;
}

export class Fetcher {
  private readonly inFlight = new Map<string, Promise<void>>();
  /** An error `poll` must throw (OFFSET_OUT_OF_RANGE with autoOffsetReset 'none', corrupt data). */
  private failure: BrokerError | undefined;

  constructor(
    private readonly pool: BrokerPool,
    private readonly metadata: MetadataCache,
    private readonly options: ResolvedConsumerOptions,
  ) {}

  /** Starts a fetch to every leader with fetchable partitions and none in flight. */
  start(partitions: Iterable<AssignedPartition>, maxWaitMs: number): void {
    const nowMs = monotonicNowMs();
    const byLeader = new Map<string, Array<{ state: AssignedPartition; leaderEpoch: number }>>();
    let leaderMissing = false;
    for (const state of partitions) {
      if (state.position === undefined || state.reset || state.paused || state.fetching || state.buffer.length > 0 || state.retryAtMs > nowMs) continue;
      const leader = this.metadata.leaderOf(state.topic, state.partition);
      if (!leader) {
        leaderMissing = true;
        continue;
      }
      if (this.inFlight.has(leader.address)) continue;
      const group = byLeader.get(leader.address) ?? [];
      group.push({ state, leaderEpoch: leader.leaderEpoch });
      byLeader.set(leader.address, group);
    }
    if (leaderMissing) this.metadata.requestRefresh();
    for (const [address, group] of byLeader) {
      const fetch = this.fetchFrom(address, group, maxWaitMs).finally(() => this.inFlight.delete(address));
      this.inFlight.set(address, fetch);
    }
  }

  /** Resolves when any fetch in flight completes, or at once if none is. */
  anySettled(): Promise<void> {
    return this.inFlight.size === 0 ? Promise.resolve() : Promise.race(this.inFlight.values());
  }

  inFlightCount(): number {
    return this.inFlight.size;
  }

  takeFailure(): BrokerError | undefined {
    const failure = this.failure;
    this.failure = undefined;
    return failure;
  }

  /** Marks a partition's failed attempt (fetch or offset lookup) and backs it off. */
  backOff(state: AssignedPartition, error: BrokerError): void {
    if (error.refreshMetadata || error.kafkaName === 'REQUEST_TIMED_OUT') this.metadata.requestRefresh();
    state.failures++;
    state.retryAtMs = monotonicNowMs() + backoffDelayMs(state.failures, this.options);
  }

  private async fetchFrom(address: string, group: Array<{ state: AssignedPartition; leaderEpoch: number }>, maxWaitMs: number): Promise<void> {
    const sent = group.map(({ state, leaderEpoch }) => {
      state.fetching = true;
      return { state, generation: state.generation, offset: state.position!, leaderEpoch };
    });
    const partitions: FetchPartition[] = sent.map(({ state, offset, leaderEpoch }) => ({
      topic: state.topic,
      partition: state.partition,
      offset,
      max_bytes: this.options.maxPartitionFetchBytes,
      current_leader_epoch: leaderEpoch,
    }));
    const request = { partitions, max_wait_ms: maxWaitMs, min_bytes: this.options.minBytes, max_bytes: this.options.maxBytes };
    try {
      const response = await this.pool.connection(address).call('Fetch', request, maxWaitMs + this.options.requestTimeoutMs);
      const answers = new Map(response.partitions.map((p) => [partitionKey(p), p]));
      for (const item of sent) {
        const answer = answers.get(partitionKey(item.state));
        if (item.state.generation !== item.generation) continue;
        if (answer) this.apply(item.state, item.offset, answer);
      }
    } catch (e) {
      if (!(e instanceof BrokerError)) throw e;
      for (const item of sent) if (item.state.generation === item.generation) this.backOff(item.state, e);
    } finally {
      for (const item of sent) item.state.fetching = false;
    }
  }

  private apply(state: AssignedPartition, fetchOffset: number, answer: FetchedPartition): void {
    if (answer.error_code === 0) {
      try {
        const decoded = decodeFetchedRecords(state.topic, state.partition, answer.records, fetchOffset);
        state.buffer = decoded.records;
        // Batches holding only skipped or control records still move the position on.
        if (decoded.records.length === 0) state.position = decoded.nextOffset;
        state.failures = 0;
      } catch (e) {
        if (!(e instanceof BrokerError)) throw e;
        this.failure = e;
      }
      return;
    }
    const error = BrokerError.fromCode(
      answer.error_code,
      `Fetch ${state.topic}-${state.partition} at offset ${fetchOffset}${answer.error_message ? `: ${answer.error_message}` : ''}`,
      { topic: state.topic, partition: state.partition, offset: fetchOffset },
    );
    if (error.kafkaName === 'OFFSET_OUT_OF_RANGE') {
      if (this.options.autoOffsetReset === 'none') this.failure = error;
      else state.reset = this.options.autoOffsetReset;
      return;
    }
    if (error.retriable) this.backOff(state, error);
    else this.failure = error;
  }
}

export function newAssignedPartition(topic: string, partition: number): AssignedPartition {
  return { topic, partition, position: undefined, reset: undefined, paused: false, buffer: [], generation: 0, fetching: false, retryAtMs: 0, failures: 0 };
}
