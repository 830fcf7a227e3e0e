import { describe, expect, it } from 'vitest';
import { ACKS_LEADER } from '../../../src/broker/types.js';
import { ReplicatedPartition, logValues, registration, valuesIn } from './helpers.js';

describe('consumer fetches', () => {
  it('never return records at or above the high watermark', () => {
    const rp = new ReplicatedPartition();
    rp.produce(3, ACKS_LEADER, 5_000, 'a');
    rp.catchUp(2);
    const uncommitted = rp.leader.fetchForConsumer(0, 1 << 20);
    expect(uncommitted).toMatchObject({ highWatermark: 0, records: Buffer.alloc(0) });
    expect(uncommitted.error).toBeUndefined();

    rp.catchUp(3);
    rp.produce(2, ACKS_LEADER, 5_000, 'b');
    const read = rp.leader.fetchForConsumer(0, 1 << 20);
    expect(read.highWatermark).toBe(3);
    expect(valuesIn(read.records)).toEqual(['a-0', 'a-1', 'a-2']);
    expect(rp.leader.fetchForConsumer(3, 1 << 20).records.length).toBe(0);
  });

  it('answer OFFSET_OUT_OF_RANGE past the log end but not between the high watermark and the log end', () => {
    const rp = new ReplicatedPartition();
    rp.produce(2, ACKS_LEADER);
    expect(rp.leader.fetchForConsumer(2, 1024).error).toBeUndefined();
    expect(rp.leader.fetchForConsumer(3, 1024).error?.kafkaName).toBe('OFFSET_OUT_OF_RANGE');
  });

  it('answer OFFSET_OUT_OF_RANGE below the log start', () => {
    const rp = new ReplicatedPartition({ isr: [1] });
    rp.produce(3, ACKS_LEADER, 5_000, 'a');
    rp.produce(2, ACKS_LEADER, 5_000, 'b');
    rp.leader.log.advanceLogStartOffset(3);
    expect(rp.leader.fetchForConsumer(2, 1024).error?.kafkaName).toBe('OFFSET_OUT_OF_RANGE');
    expect(valuesIn(rp.leader.fetchForConsumer(3, 1024).records)).toEqual(['b-0', 'b-1']);
  });
});

describe('leader epoch fencing', () => {
  it('answers FENCED_LEADER_EPOCH to an older epoch, UNKNOWN_LEADER_EPOCH to a newer one, NOT_LEADER_OR_FOLLOWER off the leader', () => {
    const rp = new ReplicatedPartition();
    rp.elect(2, [2, 3]);
    expect(rp.produce(1, ACKS_LEADER, 100, 'x', 0).result?.error?.kafkaName).toBe('FENCED_LEADER_EPOCH');
    expect(rp.produce(1, ACKS_LEADER, 100, 'x', 2).result?.error?.kafkaName).toBe('UNKNOWN_LEADER_EPOCH');
    expect(rp.leader.fetchForConsumer(0, 1024, 0).error?.kafkaName).toBe('FENCED_LEADER_EPOCH');
    expect(rp.replica(1).fetchForConsumer(0, 1024, 1).error?.kafkaName).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(rp.leader.logEndOffset()).toBe(0);
    expect(rp.produce(1, ACKS_LEADER, 100, 'x', 1).result?.error).toBeUndefined();
  });

  it('fences a follower fetching with an older leader epoch', () => {
    const rp = new ReplicatedPartition();
    rp.elect(2, [2, 3]);
    const response = rp.leader.fetchFromFollower({
      replicaId: 3,
      brokerEpoch: 103,
      fetchOffset: 0,
      lastFetchedEpoch: -1,
      currentLeaderEpoch: 0,
      logStartOffset: 0,
      maxBytes: 1024,
    });
    expect(response.error?.kafkaName).toBe('FENCED_LEADER_EPOCH');
  });

  it('refuses a fetch from a broker that is not a replica', () => {
    const rp = new ReplicatedPartition();
    const response = rp.leader.fetchFromFollower({
      replicaId: 9,
      brokerEpoch: 109,
      fetchOffset: 0,
      lastFetchedEpoch: -1,
      currentLeaderEpoch: 0,
      logStartOffset: 0,
      maxBytes: 1024,
    });
    expect(response.error?.kafkaName).toBe('NOT_LEADER_OR_FOLLOWER');
  });

  it('ignores a registration with an older leader epoch', () => {
    const rp = new ReplicatedPartition();
    rp.elect(2, [2, 3]);
    expect(rp.replica(2).makeFollower(registration({ leader: 1, leaderEpoch: 0 }))).toBe(false);
    expect(rp.replica(1).makeLeader(registration({ leader: 1, leaderEpoch: 0 }))).toBe(false);
    expect(rp.replica(2).role()).toBe('leader');
    expect(rp.replica(1).role()).toBe('follower');
  });
});

describe('a follower behind the leader log start', () => {
  it('empties its log and restarts at the leader log start', () => {
    const rp = new ReplicatedPartition({ replicas: [1, 2], isr: [1] });
    rp.produce(3, ACKS_LEADER, 5_000, 'a');
    rp.produce(2, ACKS_LEADER, 5_000, 'b');
    rp.leader.log.advanceLogStartOffset(3);
    expect(rp.fetch(2)).toEqual({ kind: 'truncated', toOffset: 3 });
    rp.catchUp(2);
    const follower = rp.replica(2);
    expect([follower.logStartOffset(), follower.logEndOffset(), follower.highWatermark()]).toEqual([3, 5, 5]);
    expect(logValues(follower.log)).toEqual(['b-0', 'b-1']);
  });

  it('takes the whole batch holding a leader log start that lies inside it', () => {
    const rp = new ReplicatedPartition({ replicas: [1, 2], isr: [1] });
    rp.produce(5, ACKS_LEADER, 5_000, 'a');
    rp.leader.log.advanceLogStartOffset(3);
    rp.catchUp(2);
    const follower = rp.replica(2);
    expect([follower.logStartOffset(), follower.logEndOffset()]).toEqual([3, 5]);
    expect(valuesIn(follower.log.read(3, 1 << 20).records)).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
  });
});
