/**
 * What a leader knows about one follower's log, and how it paces appends to it.
 *
 * - probe: the leader does not know where the follower's log ends; it sends one append at a time
 *   and waits for the answer (or the next heartbeat response) before sending another.
 * - replicate: the follower is in sync; the leader streams appends optimistically, up to
 *   `maxInflight` unacknowledged messages (the pipelining window).
 * - snapshot: the follower needs entries the leader compacted; a snapshot is on its way and
 *   appends pause until the follower acknowledges it.
 *
 * Invariant: match < next.
 */
import { AssertionFailure, assert } from '../common/errors.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** The last entry index of each unacknowledged append, oldest first. */
export class Inflights {
  private readonly lastIndexes: number[] = [];

  constructor(readonly capacity: number) {
    assert(capacity > 0, 'the inflight window must hold at least one append');
  }

  add(lastIndex: number): void {
    assert(!this.full(), 'adding to a full inflight window');
    const newest = this.lastIndexes[this.lastIndexes.length - 1];
    if (newest !== undefined && lastIndex <= newest) throw new AssertionFailure(`inflight appends must be added in index order (${lastIndex} after ${newest})`);
    this.lastIndexes.push(lastIndex);
  }

  /** The follower acknowledged everything up to `index`: those appends are no longer in flight. */
  freeUpTo(index: number): void {
    let freed = 0;
    while (freed < this.lastIndexes.length && this.lastIndexes[freed]! <= index) freed++;
    if (freed > 0) this.lastIndexes.splice(0, freed);
  }

  full(): boolean {
    return this.lastIndexes.length >= this.capacity;
  }

  count(): number {
    return this.lastIndexes.length;
  }

  reset(): void {
    this.lastIndexes.length = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: an append is out and unanswered, so no other is sent until it is. */
  probeSent = false;
  /** In snapshot state: the index of the snapshot sent. */
  pendingSnapshot = 0;
  /** The follower answered something since the last check-quorum round. */
  recentActive = false;
  /** The highest commit index sent to the follower that it can apply (never beyond what matched). */
  sentCommit = 0;
  /** Heartbeat rounds in a row in which the follower lagged and its match did not move. */
  stalledHeartbeats = 0;
  private matchAtLastHeartbeat = 0;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number, readonly isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  becomeProbe(): void {
    // After a snapshot the follower holds at least the snapshot, so probe right after it.
    const afterSnapshot = this.state === 'snapshot' ? this.pendingSnapshot + 1 : 0;
    this.resetState('probe');
    this.next = Math.max(this.match + 1, afterSnapshot);
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  /** A commit index went out to the follower: it may apply up to `commit` once its log matches. */
  sentCommitUpTo(commit: number): void {
    this.sentCommit = Math.max(this.sentCommit, commit);
  }

  /** True when the leader's commit index could move the follower's further than what it was told. */
  canBumpCommit(commit: number): boolean {
    return this.sentCommit < Math.min(commit, this.match);
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    // Messages in flight may be lost; only what matched is certain.
    this.sentCommit = Math.min(this.sentCommit, this.match);
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.stalledHeartbeats = 0;
    this.inflights.reset();
  }

  /** True when no append may be sent now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  /** An append carrying entries up to `lastIndex` (none if `count` is 0) was sent. */
  sentEntries(count: number, lastIndex: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else {
      this.probeSent = true;
    }
  }

  /** The follower acknowledged entries up to `index`. False when the answer is stale. */
  maybeUpdate(index: number): boolean {
    if (index <= this.match) return false;
    this.match = index;
    this.next = Math.max(this.next, index + 1);
    this.probeSent = false;
    return true;
  }

  /**
   * The follower rejected an append whose previous entry was `rejected`; `matchHint` is where our
   * logs may agree. False when the rejection is stale (reordered or duplicated).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /**
   * Called once per heartbeat round. Returns how many rounds in a row the follower lagged without
   * progress: a sign that appends or a snapshot were lost.
   */
  noteHeartbeatRound(leaderLastIndex: number): number {
    const stalled = this.match < leaderLastIndex && this.match === this.matchAtLastHeartbeat;
    this.stalledHeartbeats = stalled ? this.stalledHeartbeats + 1 : 0;
    this.matchAtLastHeartbeat = this.match;
    return this.stalledHeartbeats;
  }
}
