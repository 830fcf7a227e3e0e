/**
 * The leader's view of one follower replica, fed only by that follower's fetches: where its log
 * ends and when it was last caught up. "Caught up" follows Kafka: the last time a fetch reached
 * the leader's log end offset as it was at that moment, or reached the end the leader had at the
 * follower's previous fetch (then the follower was caught up as of that previous fetch).
 */
import { UNKNOWN_BROKER_EPOCH, type BrokerId } from '../metadata/types.js';
import { UNKNOWN_OFFSET } from './types.js';

const NEVER = Number.NEGATIVE_INFINITY;

export class FollowerProgress {
  /** The follower's log end offset as of its last fetch; UNKNOWN_OFFSET until it fetches. */
  logEndOffset = UNKNOWN_OFFSET;
  logStartOffset = UNKNOWN_OFFSET;
  /** The broker epoch the follower last fetched with; -1 until it fetches. */
  brokerEpoch = UNKNOWN_BROKER_EPOCH;
  private lastFetchTimeMs: number;
  /** The leader's log end offset when this follower last fetched. */
  private lastFetchLeaderLogEndOffset: number;
  private lastCaughtUpTimeMs: number;

  /**
   * `inSync` followers start as caught up "now": a new leader gives ISR members a full lag
   * window to show up. Others must prove themselves before they count as caught up.
   */
  constructor(
    readonly brokerId: BrokerId,
    nowMs: number,
    leaderLogEndOffset: number,
    inSync: boolean,
  ) {
    this.lastFetchTimeMs = inSync ? nowMs : NEVER;
    this.lastCaughtUpTimeMs = inSync ? nowMs : NEVER;
    this.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
  }

  recordFetch(fetchOffset: number, followerLogStartOffset: number, brokerEpoch: number, nowMs: number, leaderLogEndOffset: number): void {
    if (this.brokerEpoch !== UNKNOWN_BROKER_EPOCH && brokerEpoch !== this.brokerEpoch) this.forgetPreviousIncarnation(leaderLogEndOffset);
    if (fetchOffset >= leaderLogEndOffset) {
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, nowMs);
    } else if (fetchOffset >= this.lastFetchLeaderLogEndOffset) {
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, this.lastFetchTimeMs);
    }
    this.logEndOffset = fetchOffset;
    this.logStartOffset = followerLogStartOffset;
    this.brokerEpoch = brokerEpoch;
    this.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
    this.lastFetchTimeMs = nowMs;
  }

  /**
   * The follower restarted (a new broker epoch): what its previous process fetched says nothing
   * about the log it has now (a power loss may have cut its unflushed tail). It proves itself
   * again from this fetch on, as a replica never heard from.
   */
  private forgetPreviousIncarnation(leaderLogEndOffset: number): void {
    this.lastFetchTimeMs = NEVER;
    this.lastCaughtUpTimeMs = NEVER;
    this.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
  }

  /** In sync for ISR purposes: has everything the leader has, or had it within `replicaLagTimeMaxMs`. */
  isCaughtUp(leaderLogEndOffset: number, nowMs: number, replicaLagTimeMaxMs: number): boolean {
    return this.logEndOffset >= leaderLogEndOffset || nowMs - this.lastCaughtUpTimeMs <= replicaLagTimeMaxMs;
  }

  /** Milliseconds since the follower was last caught up, or null if it never was under this leader. */
  caughtUpAgoMs(nowMs: number): number | null {
    return this.lastCaughtUpTimeMs === NEVER ? null : nowMs - this.lastCaughtUpTimeMs;
  }
}
