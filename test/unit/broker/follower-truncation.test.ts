import { describe, expect, it } from 'vitest';
import { ACKS_ALL, ACKS_LEADER } from '../../../src/broker/types.js';
import { ReplicatedPartition, logValues } from './helpers.js';

describe('a follower whose log diverged', () => {
  it('is told the diverging epoch and offset, and truncates there', () => {
    const rp = new ReplicatedPartition();
    rp.produce(3, ACKS_LEADER, 5_000, 'a');
    rp.catchUp(2);
    rp.catchUp(3);
    rp.produce(2, ACKS_LEADER, 5_000, 'lost'); // only on broker 1
    rp.elect(2, [2, 3]);
    rp.produce(1, ACKS_LEADER, 5_000, 'b');

    const old = rp.replica(1);
    const request = old.nextFetch()!;
    expect(request).toMatchObject({ fetchOffset: 5, lastFetchedEpoch: 0, currentLeaderEpoch: 1 });
    const response = rp.leader.fetchFromFollower({ ...request, replicaId: 1, brokerEpoch: 101, maxBytes: 1 << 20 });
    expect(response.divergingEpoch).toEqual({ epoch: 0, endOffset: 3 });
    expect(response.records.length).toBe(0);

    expect(old.applyFetchResponse(request, response)).toEqual({ kind: 'truncated', toOffset: 3 });
    expect(old.logEndOffset()).toBe(3);
    rp.catchUp(1);
    expect(logValues(old.log)).toEqual(['a-0', 'a-1', 'a-2', 'b-0']);
  });
});

describe('a revived old leader', () => {
  it('throws away its unreplicated tail and converges to the new leader log', () => {
    const rp = new ReplicatedPartition({ replicas: [1, 2], isr: [1, 2] });
    const committed = rp.produce(3, ACKS_ALL, 5_000, 'a');
    rp.catchUp(2);
    rp.catchUp(2);
    expect(committed.result?.error).toBeUndefined();
    // Broker 1 appends two more batches nobody copies, then goes silent.
    rp.produce(2, ACKS_LEADER, 5_000, 'lost');
    rp.produce(1, ACKS_LEADER, 5_000, 'lost-too');
    expect(rp.replica(1).logEndOffset()).toBe(6);

    // The controller fences broker 1 and elects broker 2, which writes at the same offsets.
    rp.elect(2, [2]);
    rp.produce(2, ACKS_ALL, 5_000, 'b');
    rp.produce(1, ACKS_ALL, 5_000, 'c');
    expect(rp.leader.highWatermark()).toBe(6);

    // Broker 1 returns as a follower and fetches until nothing moves.
    rp.catchUp(1);
    expect(logValues(rp.replica(1).log)).toEqual(logValues(rp.replica(2).log));
    expect(logValues(rp.replica(1).log)).toEqual(['a-0', 'a-1', 'a-2', 'b-0', 'b-1', 'c-0']);
    expect(rp.replica(1).log.latestEpoch()).toBe(1);
    expect(rp.replica(1).highWatermark()).toBe(6);
    // Caught up with data from the current epoch: it is proposed back into the ISR.
    expect(rp.proposals.map((p) => p.newIsr)).toEqual([[2, 1]]);
  });

  it('truncates a tail from an epoch the new leader never saw, before the new leader appends', () => {
    const rp = new ReplicatedPartition();
    rp.produce(3, ACKS_LEADER, 5_000, 'a');
    rp.catchUp(2);
    rp.catchUp(3);
    // Broker 1 is re-elected (epoch 1) and writes a tail no one copies.
    rp.elect(1, [1, 2, 3]);
    rp.produce(2, ACKS_LEADER, 5_000, 'lost');
    // Broker 2 takes over at epoch 2 and has written nothing yet.
    rp.elect(2, [2, 3]);
    const request = rp.replica(1).nextFetch()!;
    expect(request.lastFetchedEpoch).toBe(1);
    const response = rp.leader.fetchFromFollower({ ...request, replicaId: 1, brokerEpoch: 101, maxBytes: 1 << 20 });
    expect(response.divergingEpoch).toEqual({ epoch: 0, endOffset: 3 });
    rp.replica(1).applyFetchResponse(request, response);
    expect(rp.replica(1).logEndOffset()).toBe(3);

    rp.produce(1, ACKS_LEADER, 5_000, 'b');
    rp.catchUp(1);
    expect(logValues(rp.replica(1).log)).toEqual(['a-0', 'a-1', 'a-2', 'b-0']);
  });
});
