/**
 * What a partition leader tracks for one leader epoch: each follower's progress, the ISR (with its
 * in-flight change) and the high watermark. The high watermark is the smallest log end offset
 * over the maximal ISR and never moves backwards while this broker leads.
 *
 * ISR rules (Kafka's):
 * - a follower joins when its log end offset is >= the high watermark and >= the offset where
 *   this leader's epoch began (it has data from the current leader);
 * - an ISR follower leaves when it has not been caught up for `replicaLagTimeMaxMs`.
 */
import { assert } from '../common/errors.js';
import { UNKNOWN_BROKER_EPOCH, type AlterPartitionRequest, type BrokerId } from '../metadata/types.js';
import { FollowerProgress } from './follower-progress.js';
import { IsrTracker, type IsrRequestIdentity, type MemberEpochs } from './isr-tracker.js';
import type { FollowerStatus } from './types.js';

export interface LeaderStateInit {
  readonly identity: IsrRequestIdentity;
  readonly replicas: readonly BrokerId[];
  readonly isr: readonly BrokerId[];
  readonly partitionEpoch: number;
  /** The leader's log end offset when it took over: the first offset of its epoch. */
  readonly leaderEpochStartOffset: number;
  /** Where the high watermark starts; must lie within the leader's log. */
  readonly highWatermark: number;
  readonly leaderLogEndOffset: number;
  readonly nowMs: number;
  readonly replicaLagTimeMaxMs: number;
}

export interface FollowerFetchEffect {
  readonly highWatermarkAdvanced: boolean;
  /** An ISR expansion to send to the controller, if this fetch brought the follower in sync. */
  readonly isrExpansion?: AlterPartitionRequest;
}

export class LeaderState {
  readonly isr: IsrTracker;
  readonly leaderEpochStartOffset: number;
  private readonly followers = new Map<BrokerId, FollowerProgress>();
  private readonly brokerId: BrokerId;
  private readonly replicaLagTimeMaxMs: number;
  private hw: number;

  constructor(init: LeaderStateInit) {
    assert(init.highWatermark <= init.leaderLogEndOffset, `hw ${init.highWatermark} <= leo ${init.leaderLogEndOffset}`);
    this.brokerId = init.identity.brokerId;
    this.replicaLagTimeMaxMs = init.replicaLagTimeMaxMs;
    this.leaderEpochStartOffset = init.leaderEpochStartOffset;
    this.hw = init.highWatermark;
    this.isr = new IsrTracker(init.identity, init.isr, init.partitionEpoch);
    this.updateAssignment(init.replicas, init.nowMs, init.leaderLogEndOffset);
  }

  highWatermark(): number {
    return this.hw;
  }

  follower(brokerId: BrokerId): FollowerProgress | undefined {
    return this.followers.get(brokerId);
  }

  /** Tracks every assigned replica (and any ISR member) except this leader. */
  updateAssignment(replicas: readonly BrokerId[], nowMs: number, leaderLogEndOffset: number): void {
    const wanted = new Set<BrokerId>([...replicas, ...this.isr.isr()]);
    wanted.delete(this.brokerId);
    for (const id of [...this.followers.keys()]) if (!wanted.has(id)) this.followers.delete(id);
    for (const id of wanted) {
      if (!this.followers.has(id)) {
        this.followers.set(id, new FollowerProgress(id, nowMs, leaderLogEndOffset, this.isr.isr().includes(id)));
      }
    }
  }

  /**
   * A fetch from a follower at `fetchOffset` (already checked against the log and the epochs):
   * the follower's log ends there. May bring it into the ISR and move the high watermark.
   */
  recordFollowerFetch(
    replicaId: BrokerId,
    fetchOffset: number,
    followerLogStartOffset: number,
    followerBrokerEpoch: number,
    nowMs: number,
    leaderLogEndOffset: number,
    /** This leader's own broker epoch: AlterPartition carries the sender's, not the follower's. */
    leaderBrokerEpoch: number,
  ): FollowerFetchEffect {
    const progress = this.followers.get(replicaId);
    assert(progress !== undefined, `replica ${replicaId} is not a follower of this partition`);
    assert(fetchOffset <= leaderLogEndOffset, `follower fetch offset ${fetchOffset} <= leader leo ${leaderLogEndOffset}`);
    progress.recordFetch(fetchOffset, followerLogStartOffset, followerBrokerEpoch, nowMs, leaderLogEndOffset);
    // Expand before recomputing the high watermark, so the joining replica already holds it back.
    const isrExpansion = this.canJoinIsr(progress) ? this.isr.proposeExpansion(replicaId, leaderBrokerEpoch, this.memberEpochs(leaderBrokerEpoch)) : undefined;
    const highWatermarkAdvanced = this.maybeAdvanceHighWatermark(leaderLogEndOffset);
    return isrExpansion ? { highWatermarkAdvanced, isrExpansion } : { highWatermarkAdvanced };
  }

  /** HW = min LEO over the maximal ISR, moved only forwards. True if it moved. */
  maybeAdvanceHighWatermark(leaderLogEndOffset: number): boolean {
    let candidate = leaderLogEndOffset;
    for (const id of this.isr.maximalIsr()) {
      if (id === this.brokerId) continue;
      // A member this leader has not heard from yet counts as offset -1: it holds the HW still.
      candidate = Math.min(candidate, this.followers.get(id)?.logEndOffset ?? -1);
    }
    if (candidate <= this.hw) return false;
    this.hw = candidate;
    assert(this.hw <= leaderLogEndOffset, `hw ${this.hw} <= leo ${leaderLogEndOffset}`);
    return true;
  }

  /** ISR followers that have not been caught up within `replicaLagTimeMaxMs`. */
  laggingIsrMembers(nowMs: number, leaderLogEndOffset: number): BrokerId[] {
    return this.isr
      .isr()
      .filter((id) => id !== this.brokerId)
      .filter((id) => {
        const progress = this.followers.get(id);
        return !progress || !progress.isCaughtUp(leaderLogEndOffset, nowMs, this.replicaLagTimeMaxMs);
      });
  }

  /** The shrink to propose now, if some ISR member lags and no other change is in flight. */
  proposeShrinkIfLagging(nowMs: number, leaderLogEndOffset: number, brokerEpoch: number): AlterPartitionRequest | undefined {
    if (!this.isr.canPropose()) return undefined;
    const lagging = this.laggingIsrMembers(nowMs, leaderLogEndOffset);
    return lagging.length > 0 ? this.isr.proposeShrink(lagging, brokerEpoch, this.memberEpochs(brokerEpoch)) : undefined;
  }

  /** Broker epochs for AlterPartition: this leader's own, and each follower's from its last fetch. */
  private memberEpochs(leaderBrokerEpoch: number): MemberEpochs {
    return (id) => (id === this.brokerId ? leaderBrokerEpoch : (this.followers.get(id)?.brokerEpoch ?? UNKNOWN_BROKER_EPOCH));
  }

  followerStatuses(nowMs: number, leaderLogEndOffset: number): FollowerStatus[] {
    const isr = this.isr.isr();
    return [...this.followers.values()].map((p) => ({
      brokerId: p.brokerId,
      logEndOffset: p.logEndOffset,
      lagRecords: Math.max(0, leaderLogEndOffset - Math.max(p.logEndOffset, 0)),
      inIsr: isr.includes(p.brokerId),
      caughtUpAgoMs: p.caughtUpAgoMs(nowMs),
    }));
  }

  private canJoinIsr(progress: FollowerProgress): boolean {
    return (
      this.isr.canPropose() &&
      !this.isr.isr().includes(progress.brokerId) &&
      progress.logEndOffset >= this.hw &&
      progress.logEndOffset >= this.leaderEpochStartOffset
    );
  }
}
