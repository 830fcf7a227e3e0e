/**
 * Finds where partitions without a position start: a group member's newly assigned partition at
 * its group's committed offset (OffsetFetch), or, when there is none, per `autoOffsetReset`; a
 * partition to start at the log's start or end with ListOffsets. A retriable failure backs the
 * partition off until a later poll; 'none' with no committed offset, and non-retriable errors,
 * are thrown.
 */
import { BrokerError, errors } from '../common/errors.js';
import type { BrokerPool } from './broker-pool.js';
import type { CoordinatorLink } from './coordinator-link.js';
import type { AssignedPartition, Fetcher } from './fetcher.js';
import { fetchCommittedOffsets, NO_COMMITTED_OFFSET } from './group-offsets.js';
import { listOffsets } from './list-offsets.js';
import type { MetadataCache } from './metadata-cache.js';
import type { ResolvedConsumerOptions } from './options.js';
import { partitionKey } from './types.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from './wire.js';

export class PositionLookup {
  constructor(
    private readonly pool: BrokerPool,
    private readonly metadata: MetadataCache,
    private readonly fetcher: Fetcher,
    private readonly options: ResolvedConsumerOptions,
    private readonly link: CoordinatorLink | undefined,
  ) {}

  /** Resolves what it can of `states`' positions; the rest keep their reset for a later try. */
  async resolve(states: readonly AssignedPartition[]): Promise<void> {
    await this.fromCommitted(states.filter((s) => s.reset === 'committed'));
    await this.fromLog(states.filter((s) => s.reset === 'earliest' || s.reset === 'latest'));
  }

  private async fromCommitted(states: readonly AssignedPartition[]): Promise<void> {
    if (states.length === 0) return;
    if (!this.link) throw errors.invalidGroupId('committed offsets need a groupId');
    const generations = states.map((s) => s.generation);
    let committed: Map<string, number>;
    try {
      committed = await fetchCommittedOffsets(this.link, states, this.options.requestTimeoutMs);
    } catch (e) {
      if (!(e instanceof BrokerError) || !e.retriable) throw e;
      for (const state of states) this.fetcher.backOff(state, e);
      return;
    }
    states.forEach((state, i) => {
      if (state.generation !== generations[i]) return;
      const offset = committed.get(partitionKey(state)) ?? NO_COMMITTED_OFFSET;
      if (offset !== NO_COMMITTED_OFFSET) {
        state.position = offset;
        state.reset = undefined;
        state.failures = 0;
      } else if (this.options.autoOffsetReset === 'none') {
        throw errors.offsetOutOfRange(`group ${this.link!.groupId} has no committed offset for ${state.topic}-${state.partition} and autoOffsetReset is 'none'`, {
          topic: state.topic,
          partition: state.partition,
        });
      } else {
        state.reset = this.options.autoOffsetReset;
      }
    });
  }

  private async fromLog(states: readonly AssignedPartition[]): Promise<void> {
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
}
