import { describe, expect, it } from 'vitest';
import { errors } from '../../../src/common/errors.js';
import { ACKS_ALL, ACKS_LEADER } from '../../../src/broker/types.js';
import { LAG_MS, ReplicatedPartition } from './helpers.js';

describe('ISR shrink', () => {
  it('proposes removing a follower that has not caught up within replica.lag.time.max.ms', () => {
    const rp = new ReplicatedPartition();
    rp.catchUp(2);
    rp.catchUp(3);
    rp.produce(1, ACKS_LEADER);
    for (let t = 0; t < 5; t++) {
      rp.clock.advance(LAG_MS / 5);
      rp.catchUp(2); // broker 2 keeps up; broker 3 stops fetching
    }
    expect(rp.clock.now()).toBe(LAG_MS);
    expect(rp.leader.maybeShrinkIsr()).toBeUndefined();
    rp.clock.advance(1);
    const request = rp.leader.maybeShrinkIsr();
    expect(request).toMatchObject({ brokerId: 1, brokerEpoch: 101, leaderEpoch: 0, partitionEpoch: 0, newIsr: [1, 2] });
    expect(rp.proposals).toEqual([request]);
    // One change at a time: nothing more is proposed while this one is in flight.
    rp.clock.advance(LAG_MS);
    expect(rp.leader.maybeShrinkIsr()).toBeUndefined();
    rp.commitLatestProposal();
    expect(rp.leader.isr()).toEqual([1, 2]);
  });

  it('keeps a silent follower that already has everything the leader has', () => {
    const rp = new ReplicatedPartition();
    rp.produce(2, ACKS_LEADER);
    rp.catchUp(2);
    rp.catchUp(3);
    rp.clock.advance(LAG_MS * 10);
    expect(rp.leader.maybeShrinkIsr()).toBeUndefined();
  });
});

describe('ISR expansion', () => {
  it('proposes re-adding a follower once its log reaches the high watermark', () => {
    const rp = new ReplicatedPartition({ isr: [1, 2] });
    rp.produce(3, ACKS_LEADER);
    rp.catchUp(2);
    expect(rp.leader.highWatermark()).toBe(3);
    rp.fetch(3); // takes the records; the leader saw it at offset 0
    expect(rp.proposals).toEqual([]);
    rp.fetch(3);
    expect(rp.proposals.map((p) => p.newIsr)).toEqual([[1, 2, 3]]);
    // The request is the leader's: it carries the leader's broker epoch, not the follower's.
    expect(rp.proposals[0]).toMatchObject({ brokerId: 1, brokerEpoch: 101 });
    rp.commitLatestProposal();
    expect(rp.leader.isr()).toEqual([1, 2, 3]);
  });

  it('waits until the follower has data from the current leader epoch', () => {
    const rp = new ReplicatedPartition();
    rp.produce(5, ACKS_LEADER);
    rp.catchUp(2);
    // Broker 2 takes over with broker 1 in its ISR: its high watermark (0) lags its epoch start (5).
    rp.elect(2, [2, 1]);
    expect(rp.leader.highWatermark()).toBe(0);
    rp.fetch(3); // broker 3 at 0 >= hw 0, but below the epoch start
    expect(rp.proposals).toEqual([]);
    rp.fetch(3);
    expect(rp.proposals.map((p) => p.newIsr)).toEqual([[2, 1, 3]]);
  });
});

describe('the maximal ISR', () => {
  it('holds the high watermark back for a replica being added until the change is answered', () => {
    const rp = new ReplicatedPartition({ isr: [1, 2] });
    rp.produce(2, ACKS_LEADER);
    rp.catchUp(2);
    rp.catchUp(3); // reaches hw 2: expansion to [1,2,3] in flight
    expect(rp.leader.status().pendingIsr).toEqual([1, 2, 3]);

    const pending = rp.produce(3, ACKS_ALL);
    rp.catchUp(2);
    // Broker 2 has everything, but broker 3 may already be in the committed ISR.
    expect(rp.leader.highWatermark()).toBe(2);
    expect(pending.result).toBeUndefined();
    rp.catchUp(3);
    expect(rp.leader.highWatermark()).toBe(5);
    expect(pending.result?.error).toBeUndefined();
  });

  it('keeps counting a replica being removed until the shrink is committed', () => {
    const rp = new ReplicatedPartition();
    rp.catchUp(2);
    rp.catchUp(3);
    const pending = rp.produce(2, ACKS_ALL, 60_000);
    rp.clock.advance(LAG_MS + 1);
    rp.catchUp(2);
    expect(rp.leader.maybeShrinkIsr()?.newIsr).toEqual([1, 2]);
    expect(rp.leader.highWatermark()).toBe(0);
    expect(pending.result).toBeUndefined();
    rp.commitLatestProposal();
    expect(rp.leader.highWatermark()).toBe(2);
    expect(pending.result?.error).toBeUndefined();
  });
});

describe('AlterPartition answers', () => {
  function laggingShrink(): ReplicatedPartition {
    const rp = new ReplicatedPartition();
    rp.produce(1, ACKS_LEADER);
    rp.clock.advance(LAG_MS + 1);
    rp.catchUp(2);
    rp.leader.maybeShrinkIsr();
    return rp;
  }

  it('after a rejection keeps the committed ISR and proposes nothing until newer metadata', () => {
    const rp = laggingShrink();
    const request = rp.proposals[0]!;
    expect(rp.leader.onAlterPartitionResponse(request, errors.invalidUpdateVersion())).toBe('rejected');
    expect(rp.leader.isr()).toEqual([1, 2, 3]);
    expect(rp.leader.inFlightIsrChange()).toBeUndefined();
    expect(rp.leader.maybeShrinkIsr()).toBeUndefined();

    rp.applyToAll({ ...rp.current, partitionEpoch: rp.current.partitionEpoch + 1 });
    expect(rp.leader.maybeShrinkIsr()?.partitionEpoch).toBe(1);
  });

  it('drops an expansion the controller refuses as INELIGIBLE_REPLICA, so the refused replica no longer holds acks=all back', () => {
    // The leader in controlled shutdown (broker 3) handed leadership to broker 1 and left the ISR;
    // it fetches once more before it exits, and broker 1 proposes adding it back.
    const rp = new ReplicatedPartition({ isr: [1, 2] });
    rp.produce(2, ACKS_LEADER);
    rp.catchUp(2);
    rp.catchUp(3);
    const request = rp.proposals[0]!;
    expect(request.newIsr).toEqual([1, 2, 3]);
    // Broker 3 exits; writes go on, and broker 2 (the only other ISR member) has them.
    const pending = rp.produce(3, ACKS_ALL, 60_000);
    rp.catchUp(2);
    expect(pending.result).toBeUndefined();

    const refused = errors.ineligibleReplica('ISR 1,2,3 includes fenced or stopping broker(s) 3', { ineligible: [3] });
    expect(rp.leader.onAlterPartitionResponse(request, refused)).toBe('ineligible');
    expect(rp.leader.inFlightIsrChange()).toBeUndefined();
    expect(rp.leader.status().pendingIsr).toBeUndefined();
    expect(rp.leader.isr()).toEqual([1, 2]);
    expect(rp.leader.highWatermark()).toBe(5);
    expect(pending.result?.error).toBeUndefined();
    expect(pending.result?.baseOffset).toBe(2);

    // The partition epoch is not stale: the leader may propose again (here a shrink of broker 2).
    rp.produce(1, ACKS_LEADER);
    rp.clock.advance(LAG_MS + 1);
    expect(rp.leader.maybeShrinkIsr()?.newIsr).toEqual([1]);
  });

  it('keeps the proposal in flight when the outcome is unknown', () => {
    const rp = laggingShrink();
    const request = rp.proposals[0]!;
    expect(rp.leader.onAlterPartitionResponse(request, errors.notController())).toBe('retry');
    expect(rp.leader.inFlightIsrChange()).toBe(request);
    expect(rp.leader.status().pendingIsr).toEqual([1, 2]);
  });

  it('lets newer metadata for the same leader epoch settle a proposal in flight', () => {
    const rp = laggingShrink();
    rp.applyToAll({ ...rp.current, isr: [1, 2], partitionEpoch: 1 });
    expect(rp.leader.inFlightIsrChange()).toBeUndefined();
    expect(rp.leader.isr()).toEqual([1, 2]);
    expect(rp.leader.partitionEpoch()).toBe(1);
    // A late answer to the settled proposal changes nothing.
    expect(rp.leader.onAlterPartitionResponse(rp.proposals[0]!, { ...rp.current, isr: [1], partitionEpoch: 2 })).toBe('ignored');
    expect(rp.leader.isr()).toEqual([1, 2]);
  });
});
