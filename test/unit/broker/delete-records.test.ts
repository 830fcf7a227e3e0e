/**
 * Kafka's DeleteRecords on the leader: offset checks (-1 is the high watermark, above it is
 * OFFSET_OUT_OF_RANGE), the log start moving, and the answer waiting for the live followers' log
 * starts (the low watermark) within the request's timeout.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { silentLogger } from '../../../src/common/logger.js';
import type { DeleteRecordsResult } from '../../../src/broker/delete-records.js';
import { lowWatermark } from '../../../src/broker/delete-records.js';
import { ReplicaManager } from '../../../src/broker/replica-manager.js';
import { ACKS_LEADER } from '../../../src/broker/types.js';
import { ReplicatedPartition, batch, followerFetchRequest, memoryLog, registration } from './helpers.js';

/** Five committed records on leader 1, followers 2 and 3 caught up (log start 0 everywhere). */
function committedFive(): ReplicatedPartition {
  const rp = new ReplicatedPartition();
  rp.produce(5, ACKS_LEADER, 5_000, 'a');
  rp.catchUp(2);
  rp.catchUp(3);
  expect(rp.leader.highWatermark()).toBe(5);
  return rp;
}

const everyoneAlive = (_brokerId: number): boolean => true;

describe('DeleteRecords on the leader', () => {
  it('moves the log start to the offset; reads below it get OFFSET_OUT_OF_RANGE', () => {
    const rp = committedFive();
    expect(rp.leader.deleteRecords(3)).toBe(3);
    expect(rp.leader.logStartOffset()).toBe(3);
    expect(rp.leader.fetchForConsumer(2, 1024).error?.kafkaName).toBe('OFFSET_OUT_OF_RANGE');
    expect(rp.leader.fetchForConsumer(3, 1024).error).toBeUndefined();
  });

  it('takes -1 as the high watermark', () => {
    const rp = committedFive();
    rp.produce(2, ACKS_LEADER, 5_000, 'uncommitted');
    expect(rp.leader.deleteRecords(-1)).toBe(5);
    expect(rp.leader.logStartOffset()).toBe(5);
  });

  it('refuses an offset above the high watermark (even below the log end) or negative other than -1, and keeps the log', () => {
    const rp = committedFive();
    rp.produce(2, ACKS_LEADER, 5_000, 'uncommitted');
    for (const offset of [6, 100, -2]) {
      const answer = rp.leader.deleteRecords(offset);
      expect(typeof answer === 'number' ? answer : answer.kafkaName).toBe('OFFSET_OUT_OF_RANGE');
    }
    expect(rp.leader.logStartOffset()).toBe(0);
  });

  it('accepts an offset at or below the current log start without moving it', () => {
    const rp = committedFive();
    expect(rp.leader.deleteRecords(4)).toBe(4);
    expect(rp.leader.deleteRecords(2)).toBe(2);
    expect(rp.leader.logStartOffset()).toBe(4);
  });

  it('answers NOT_LEADER_OR_FOLLOWER on a follower', () => {
    const rp = committedFive();
    const answer = rp.replica(2).deleteRecords(1);
    expect(typeof answer === 'number' ? answer : answer.kafkaName).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(rp.replica(2).logStartOffset()).toBe(0);
  });

  it('reports the low watermark as the smallest log start among live replicas, as followers report theirs', () => {
    const rp = committedFive();
    rp.leader.deleteRecords(3);
    expect(rp.leader.lowWatermark(everyoneAlive)).toBe(0);
    // First fetch: the follower learns the leader's log start; the next one tells the leader.
    rp.fetch(2);
    expect(rp.replica(2).logStartOffset()).toBe(3);
    rp.fetch(2);
    expect(rp.leader.lowWatermark(everyoneAlive)).toBe(0);
    expect(rp.leader.lowWatermark((id) => id !== 3)).toBe(3);
    rp.fetch(3);
    rp.fetch(3);
    expect(rp.leader.lowWatermark(everyoneAlive)).toBe(3);
  });

  it('computes the low watermark ignoring dead followers', () => {
    const followers = [
      { brokerId: 2, logStartOffset: 7 },
      { brokerId: 3, logStartOffset: -1 },
    ];
    expect(lowWatermark(9, followers, () => true)).toBe(-1);
    expect(lowWatermark(9, followers, (id) => id === 2)).toBe(7);
    expect(lowWatermark(9, followers, () => false)).toBe(9);
  });
});

describe('DeleteRecords through the replica manager', () => {
  /** Broker 2 leads orders-0 with follower 1; five records committed. */
  function leaderWithFollower(): { clock: ManualClock; rm: ReplicaManager; followerFetch: (fetchOffset: number, logStartOffset: number) => void } {
    const clock = new ManualClock(0);
    const rm = new ReplicaManager({
      brokerId: 2,
      brokerEpoch: () => 7,
      clock,
      logger: silentLogger(),
      timing: { replicaLagTimeMaxMs: 1_000, replicaFetchWaitMaxMs: 100, replicaFetchBackoffMs: 100, replicaSocketTimeoutMs: 2_000, requestTimeoutMs: 2_000 },
      openLog: (topic, partition) => memoryLog(clock, topic, partition),
      sendAlterPartition: () => new Promise(() => undefined),
    });
    rm.applyMetadata({ partitions: [registration({ leader: 2, replicas: [2, 1], isr: [2, 1] })] });
    const followerFetch = (fetchOffset: number, logStartOffset: number): void =>
      rm.handleReplicaFetch(followerFetchRequest([{ fetchOffset, logStartOffset }]), () => undefined);
    rm.produce({ acks: ACKS_LEADER, timeoutMs: 1_000, partitions: [{ topic: 'orders', partition: 0, records: batch(5) }] }, () => undefined);
    followerFetch(5, 0);
    expect(rm.getPartition('orders', 0)?.highWatermark()).toBe(5);
    return { clock, rm, followerFetch };
  }

  function deleteRecords(rm: ReplicaManager, partitions: { topic: string; partition: number; offset: number }[], timeoutMs: number, isAlive = everyoneAlive): { results?: DeleteRecordsResult[] } {
    const holder: { results?: DeleteRecordsResult[] } = {};
    rm.deleteRecords({ partitions, timeoutMs, isAlive }, (results) => (holder.results = results));
    return holder;
  }

  it('answers once the follower reports the new log start, with the low watermark', () => {
    const { rm, followerFetch } = leaderWithFollower();
    const answer = deleteRecords(rm, [{ topic: 'orders', partition: 0, offset: 3 }], 5_000);
    expect(answer.results).toBeUndefined();
    followerFetch(5, 0);
    expect(answer.results).toBeUndefined();
    followerFetch(5, 3);
    expect(answer.results).toEqual([{ topic: 'orders', partition: 0, lowWatermark: 3 }]);
  });

  it('answers at once when the follower is not alive', () => {
    const { rm } = leaderWithFollower();
    const answer = deleteRecords(rm, [{ topic: 'orders', partition: 0, offset: -1 }], 5_000, (id) => id !== 1);
    expect(answer.results).toEqual([{ topic: 'orders', partition: 0, lowWatermark: 5 }]);
  });

  it('answers REQUEST_TIMED_OUT with the current low watermark when the follower never catches up', () => {
    const { clock, rm } = leaderWithFollower();
    const answer = deleteRecords(rm, [{ topic: 'orders', partition: 0, offset: 3 }], 1_000);
    clock.advance(999);
    expect(answer.results).toBeUndefined();
    clock.advance(1);
    expect(answer.results?.[0]?.error?.kafkaName).toBe('REQUEST_TIMED_OUT');
    expect(answer.results?.[0]?.lowWatermark).toBe(0);
    expect(rm.getPartition('orders', 0)?.logStartOffset()).toBe(3);
  });

  it('answers each partition in request order: UNKNOWN_TOPIC_OR_PARTITION and OFFSET_OUT_OF_RANGE at once', () => {
    const { rm } = leaderWithFollower();
    const answer = deleteRecords(
      rm,
      [
        { topic: 'nope', partition: 0, offset: 1 },
        { topic: 'orders', partition: 0, offset: 6 },
      ],
      5_000,
    );
    expect(answer.results?.map((r) => [r.topic, r.error?.kafkaName, r.lowWatermark])).toEqual([
      ['nope', 'UNKNOWN_TOPIC_OR_PARTITION', -1],
      ['orders', 'OFFSET_OUT_OF_RANGE', -1],
    ]);
  });

  it('answers NOT_LEADER_OR_FOLLOWER to a waiting request when leadership moves', () => {
    const { rm } = leaderWithFollower();
    const answer = deleteRecords(rm, [{ topic: 'orders', partition: 0, offset: 3 }], 5_000);
    rm.applyMetadata({ partitions: [registration({ leader: 1, replicas: [2, 1], isr: [2, 1], leaderEpoch: 1, partitionEpoch: 1 })] });
    expect(answer.results?.[0]?.error?.kafkaName).toBe('NOT_LEADER_OR_FOLLOWER');
  });
});
