import { describe, expect, it } from 'vitest';
import { isBrokerError } from '../../../src/common/errors.js';
import type { ReplicaFetchPartitionRequest, ReplicaFetchRequest } from '../../../src/broker/fetch-messages.js';
import { FetchSessionCache } from '../../../src/broker/fetch-sessions.js';

const position = (partition: number, fetchOffset: number): ReplicaFetchPartitionRequest => ({
  topicId: 't',
  partition,
  fetchOffset,
  lastFetchedEpoch: 0,
  currentLeaderEpoch: 0,
  logStartOffset: 0,
  knownHighWatermark: fetchOffset,
});

const fetch = (partitions: ReplicaFetchPartitionRequest[], session?: ReplicaFetchRequest['session'], replicaId = 2, brokerEpoch = 7): ReplicaFetchRequest => ({
  replicaId,
  brokerEpoch,
  maxWaitMs: 100,
  minBytes: 1,
  maxBytes: 1024,
  partitions,
  ...(session ? { session } : {}),
});

const offsets = (resolved: ReturnType<FetchSessionCache['resolve']>) => {
  if (isBrokerError(resolved)) throw resolved;
  return [...resolved.values()].map((p) => [p.partition, p.fetchOffset]);
};

describe('replica fetch sessions', () => {
  it('hold every partition of the full fetch and apply each later fetch as a change', () => {
    const cache = new FetchSessionCache();
    expect(offsets(cache.resolve(fetch([position(0, 5), position(1, 9), position(2, 3)], { id: 4, epoch: 0, forgotten: [] })))).toEqual([
      [0, 5],
      [1, 9],
      [2, 3],
    ]);
    expect(offsets(cache.resolve(fetch([], { id: 4, epoch: 1, forgotten: [] })))).toEqual([
      [0, 5],
      [1, 9],
      [2, 3],
    ]);
    expect(offsets(cache.resolve(fetch([position(1, 12)], { id: 4, epoch: 2, forgotten: [{ topicId: 't', partition: 2 }] })))).toEqual([
      [0, 5],
      [1, 12],
    ]);
  });

  it('refuse a fetch whose session is unknown, from another incarnation, or out of step, and forget a session out of step', () => {
    const cache = new FetchSessionCache();
    const unknown = cache.resolve(fetch([], { id: 1, epoch: 1, forgotten: [] }));
    expect(isBrokerError(unknown, 'FETCH_SESSION_ID_NOT_FOUND')).toBe(true);
    cache.resolve(fetch([position(0, 1)], { id: 1, epoch: 0, forgotten: [] }));
    expect(isBrokerError(cache.resolve(fetch([], { id: 1, epoch: 1, forgotten: [] }, 2, 8)), 'FETCH_SESSION_ID_NOT_FOUND')).toBe(true);
    expect(isBrokerError(cache.resolve(fetch([], { id: 2, epoch: 1, forgotten: [] })), 'FETCH_SESSION_ID_NOT_FOUND')).toBe(true);
    expect(isBrokerError(cache.resolve(fetch([], { id: 1, epoch: 2, forgotten: [] })), 'INVALID_FETCH_SESSION_EPOCH')).toBe(true);
    expect(isBrokerError(cache.resolve(fetch([], { id: 1, epoch: 1, forgotten: [] })), 'FETCH_SESSION_ID_NOT_FOUND')).toBe(true);
  });

  it('keep one session per follower, replaced by its next full fetch; a fetch without a session stands alone', () => {
    const cache = new FetchSessionCache();
    cache.resolve(fetch([position(0, 1)], { id: 1, epoch: 0, forgotten: [] }));
    cache.resolve(fetch([position(0, 2)], { id: 1, epoch: 0, forgotten: [] }, 3));
    cache.resolve(fetch([position(5, 50)], { id: 2, epoch: 0, forgotten: [] }));
    expect(cache.size()).toBe(2);
    expect(offsets(cache.resolve(fetch([], { id: 2, epoch: 1, forgotten: [] })))).toEqual([[5, 50]]);
    expect(offsets(cache.resolve(fetch([], { id: 1, epoch: 1, forgotten: [] }, 3)))).toEqual([[0, 2]]);
    expect(offsets(cache.resolve(fetch([position(7, 70)])))).toEqual([[7, 70]]);
    expect(cache.size()).toBe(2);
  });
});
