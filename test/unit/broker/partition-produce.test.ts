import { describe, expect, it } from 'vitest';
import { ACKS_ALL, ACKS_LEADER, ACKS_NONE } from '../../../src/broker/types.js';
import { LAG_MS, ReplicatedPartition } from './helpers.js';

describe('the leader high watermark', () => {
  it('is the smallest log end offset over the ISR', () => {
    const rp = new ReplicatedPartition();
    rp.produce(3, ACKS_LEADER, 5_000, 'a');
    rp.produce(2, ACKS_LEADER, 5_000, 'b');
    expect(rp.leader.logEndOffset()).toBe(5);

    rp.fetch(2, 1); // one batch: broker 2 now holds [0, 3)
    rp.fetch(3); // both batches: broker 3 holds [0, 5)
    rp.fetch(2, 1); // leader learns 2 is at 3; 2 takes the second batch
    rp.fetch(3); // leader learns 3 is at 5
    expect(rp.leader.highWatermark()).toBe(3);

    rp.fetch(2); // leader learns 2 is at 5
    expect(rp.leader.highWatermark()).toBe(5);
    rp.fetch(3);
    expect(rp.replica(3).highWatermark()).toBe(5);
  });

  it('does not move while an ISR member has not fetched from the new leader', () => {
    const rp = new ReplicatedPartition();
    rp.produce(4, ACKS_LEADER);
    rp.catchUp(2);
    expect(rp.leader.highWatermark()).toBe(0);
    rp.catchUp(3);
    expect(rp.leader.highWatermark()).toBe(4);
  });
});

describe('produce acknowledgements', () => {
  it('acks=all completes only when every ISR member has the batch', () => {
    const rp = new ReplicatedPartition();
    const pending = rp.produce(2, ACKS_ALL);
    expect(pending.result).toBeUndefined();

    rp.catchUp(2);
    expect(pending.result).toBeUndefined();

    rp.fetch(3); // broker 3 receives the batch, but the leader does not yet know it has it
    expect(pending.result).toBeUndefined();
    rp.fetch(3);
    expect(pending.result).toEqual({ baseOffset: 0, lastOffset: 1, logStartOffset: 0 });
    expect(pending.calls).toBe(1);
  });

  it('acks=all completes at once when the leader is the whole ISR', () => {
    const rp = new ReplicatedPartition({ isr: [1] });
    const pending = rp.produce(3, ACKS_ALL);
    expect(pending.result).toEqual({ baseOffset: 0, lastOffset: 2, logStartOffset: 0 });
    expect(rp.leader.highWatermark()).toBe(3);
  });

  it('acks=1 completes at append, before any follower has the batch', () => {
    const rp = new ReplicatedPartition();
    rp.produce(1, ACKS_LEADER);
    const pending = rp.produce(2, ACKS_LEADER);
    expect(pending.result).toEqual({ baseOffset: 1, lastOffset: 2, logStartOffset: 0 });
    expect(rp.leader.highWatermark()).toBe(0);
  });

  it('acks=0 appends and reports at once', () => {
    const rp = new ReplicatedPartition();
    const pending = rp.produce(2, ACKS_NONE);
    expect(pending.result?.error).toBeUndefined();
    expect(rp.leader.logEndOffset()).toBe(2);
  });

  it('refuses an unknown acks value without appending', () => {
    const rp = new ReplicatedPartition();
    const pending = rp.produce(1, 2);
    expect(pending.result?.error?.kafkaName).toBe('INVALID_REQUIRED_ACKS');
    expect(rp.leader.logEndOffset()).toBe(0);
  });

  it('refuses acks=all with NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas, writing nothing', () => {
    const rp = new ReplicatedPartition({ isr: [1] }, { minInsync: 2 });
    const refused = rp.produce(3, ACKS_ALL);
    expect(refused.result?.error?.kafkaName).toBe('NOT_ENOUGH_REPLICAS');
    expect(rp.leader.logEndOffset()).toBe(0);
    // min.insync.replicas only guards acks=all.
    expect(rp.produce(1, ACKS_LEADER).result?.error).toBeUndefined();
  });

  it('answers NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrinks below min.insync.replicas while waiting', () => {
    const rp = new ReplicatedPartition({ replicas: [1, 2], isr: [1, 2] }, { minInsync: 2 });
    const pending = rp.produce(2, ACKS_ALL, 10_000);
    rp.clock.advance(LAG_MS + 1);
    expect(rp.leader.maybeShrinkIsr()?.newIsr).toEqual([1]);
    expect(pending.result).toBeUndefined(); // a pending shrink still counts broker 2
    rp.commitLatestProposal();
    expect(pending.result?.error?.kafkaName).toBe('NOT_ENOUGH_REPLICAS_AFTER_APPEND');
    expect(rp.leader.logEndOffset()).toBe(2);
  });

  it('fails a waiting acks=all produce with REQUEST_TIMED_OUT after its timeout', () => {
    const rp = new ReplicatedPartition();
    const pending = rp.produce(1, ACKS_ALL, 500);
    rp.clock.advance(499);
    expect(pending.result).toBeUndefined();
    rp.clock.advance(1);
    expect(pending.result?.error?.kafkaName).toBe('REQUEST_TIMED_OUT');
    rp.catchUp(2);
    rp.catchUp(3);
    expect(pending.calls).toBe(1);
  });

  it('fails waiting produces with NOT_LEADER_OR_FOLLOWER when leadership moves away', () => {
    const rp = new ReplicatedPartition();
    const pending = rp.produce(1, ACKS_ALL);
    rp.elect(2, [2, 3]);
    expect(pending.result?.error?.kafkaName).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(rp.replica(1).waitingProduces()).toBe(0);
  });

  it('refuses produces on a follower with NOT_LEADER_OR_FOLLOWER', () => {
    const rp = new ReplicatedPartition();
    let error: string | undefined;
    rp.replica(2).produce(Buffer.alloc(0), ACKS_LEADER, 100, (r) => (error = r.error?.kafkaName));
    expect(error).toBe('NOT_LEADER_OR_FOLLOWER');
  });

  it('refuses acks=all with REQUEST_TIMED_OUT before appending when the wait queue is full', () => {
    const rp = new ReplicatedPartition({}, { maxWaitingProduces: 2 });
    rp.produce(1, ACKS_ALL);
    rp.produce(1, ACKS_ALL);
    const refused = rp.produce(1, ACKS_ALL);
    expect(refused.result?.error?.kafkaName).toBe('REQUEST_TIMED_OUT');
    expect(rp.leader.logEndOffset()).toBe(2);
  });
});
