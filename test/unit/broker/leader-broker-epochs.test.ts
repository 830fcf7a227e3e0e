import { describe, expect, it } from 'vitest';
import { errors } from '../../../src/common/errors.js';
import { FollowerProgress } from '../../../src/broker/follower-progress.js';
import { LeaderState } from '../../../src/broker/leader-state.js';

const LAG_MS = 1000;
const LEADER_EPOCH_101 = 101;

/** Broker 1 leads t-0 on [1, 2, 3] with ISR [1, 2]; its log ends at 10. */
function leader(): LeaderState {
  return new LeaderState({
    identity: { brokerId: 1, topicId: 't', partition: 0, leaderEpoch: 0 },
    replicas: [1, 2, 3],
    isr: [1, 2],
    partitionEpoch: 0,
    leaderEpochStartOffset: 0,
    highWatermark: 0,
    leaderLogEndOffset: 10,
    nowMs: 0,
    replicaLagTimeMaxMs: LAG_MS,
  });
}

describe('AlterPartition broker epochs from the leader (KIP-903)', () => {
  it('sends each member with the broker epoch it last fetched with, and its own for itself', () => {
    const state = leader();
    state.recordFollowerFetch(2, 10, 0, 202, 1, 10, LEADER_EPOCH_101);
    const { isrExpansion } = state.recordFollowerFetch(3, 10, 0, 303, 2, 10, LEADER_EPOCH_101);
    expect(isrExpansion?.newIsr).toEqual([1, 2, 3]);
    expect(isrExpansion?.newIsrWithEpochs).toEqual([
      { brokerId: 1, brokerEpoch: 101 },
      { brokerId: 2, brokerEpoch: 202 },
      { brokerId: 3, brokerEpoch: 303 },
    ]);
  });

  it('sends -1 for a member it has not heard from under this leader epoch', () => {
    const state = leader();
    const { isrExpansion } = state.recordFollowerFetch(3, 10, 0, 303, 1, 10, LEADER_EPOCH_101);
    expect(isrExpansion?.newIsrWithEpochs).toEqual([
      { brokerId: 1, brokerEpoch: 101 },
      { brokerId: 2, brokerEpoch: -1 },
      { brokerId: 3, brokerEpoch: 303 },
    ]);
  });

  it('after a stale-epoch refusal, admits the restarted replica only on fetches from its new process', () => {
    const state = leader();
    state.recordFollowerFetch(2, 10, 0, 202, 1, 10, LEADER_EPOCH_101);
    const stale = state.recordFollowerFetch(3, 10, 0, 303, 2, 10, LEADER_EPOCH_101).isrExpansion!;
    expect(state.highWatermark()).toBe(10);
    // Broker 3 loses power, comes back with epoch 304 and a log cut to 4; the controller refuses
    // the expansion sent with 303, and a resend would carry 303 again.
    state.recordFollowerFetch(3, 4, 0, 304, 3, 10, LEADER_EPOCH_101);
    expect(state.isr.inFlightRequest()?.newIsrWithEpochs).toContainEqual({ brokerId: 3, brokerEpoch: 303 });
    expect(state.isr.onResponse(stale, errors.ineligibleReplica('broker 3 epoch 303, registered with 304', { ineligible: [3] }))).toBe('ineligible');
    expect(state.isr.maximalIsr()).toEqual([1, 2]);
    // Below the high watermark the new process has not proven anything: no proposal.
    expect(state.recordFollowerFetch(3, 4, 0, 304, 4, 10, LEADER_EPOCH_101).isrExpansion).toBeUndefined();
    const again = state.recordFollowerFetch(3, 10, 0, 304, 5, 10, LEADER_EPOCH_101).isrExpansion;
    expect(again?.newIsrWithEpochs).toContainEqual({ brokerId: 3, brokerEpoch: 304 });
  });
});

describe('FollowerProgress across a follower restart', () => {
  it('forgets when the previous process was caught up once a fetch brings a new broker epoch', () => {
    const sameProcess = new FollowerProgress(3, 0, 10, false);
    sameProcess.recordFetch(10, 0, 303, 100, 10);
    sameProcess.recordFetch(4, 0, 303, 200, 10);
    expect(sameProcess.caughtUpAgoMs(200)).toBe(100);
    expect(sameProcess.isCaughtUp(10, 200, LAG_MS)).toBe(true);

    const restarted = new FollowerProgress(3, 0, 10, false);
    restarted.recordFetch(10, 0, 303, 100, 10);
    restarted.recordFetch(4, 0, 304, 200, 10);
    expect(restarted.brokerEpoch).toBe(304);
    expect(restarted.logEndOffset).toBe(4);
    expect(restarted.caughtUpAgoMs(200)).toBeNull();
    expect(restarted.isCaughtUp(10, 200, LAG_MS)).toBe(false);
    // The new process proves itself by reaching the leader's log end.
    restarted.recordFetch(10, 0, 304, 300, 10);
    expect(restarted.caughtUpAgoMs(300)).toBe(0);
  });
});
