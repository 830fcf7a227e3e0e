/**
 * The membership as one node sees it, with the leader's per-peer progress and the votes of the
 * current election. Only voters count toward quorums (commit, elections, check-quorum); learners
 * are tracked so the leader replicates to them.
 */
import { assert } from '../common/errors.js';
import { Progress } from './progress.js';
import type { Membership, NodeId } from './types.js';

export type VoteResult = 'won' | 'lost' | 'pending';

export class ProgressTracker {
  private readonly voterIds: NodeId[];
  private readonly learnerIds: NodeId[];
  private readonly progressById = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();

  constructor(membership: Membership, private readonly maxInflight: number) {
    assert(membership.voters.length > 0, 'a Raft group needs at least one voter');
    this.voterIds = [...membership.voters];
    this.learnerIds = membership.learners.filter((id) => !membership.voters.includes(id));
    for (const id of this.voterIds) this.progressById.set(id, new Progress(1, maxInflight, false));
    for (const id of this.learnerIds) this.progressById.set(id, new Progress(1, maxInflight, true));
  }

  membership(): Membership {
    return { voters: [...this.voterIds], learners: [...this.learnerIds] };
  }

  isVoter(id: NodeId): boolean {
    return this.voterIds.includes(id);
  }

  isLearner(id: NodeId): boolean {
    return this.learnerIds.includes(id);
  }

  voters(): readonly NodeId[] {
    return this.voterIds;
  }

  /** Every member, voters first, in a stable order. */
  members(): NodeId[] {
    return [...this.voterIds, ...this.learnerIds];
  }

  quorumSize(): number {
    return Math.floor(this.voterIds.length / 2) + 1;
  }

  progress(id: NodeId): Progress | undefined {
    return this.progressById.get(id);
  }

  addLearner(id: NodeId, nextIndex: number): void {
    if (this.progressById.has(id)) return;
    this.learnerIds.push(id);
    this.progressById.set(id, new Progress(nextIndex, this.maxInflight, true));
  }

  /**
   * Takes the learners of an installed snapshot's membership. The voter set is static (there are no
   * configuration changes), so only learners added elsewhere can be new here.
   */
  adoptLearners(membership: Membership): void {
    for (const id of membership.learners) {
      if (!this.isVoter(id)) this.addLearner(id, 1);
    }
  }

  /** Fresh progress for every member, as a new leader (or a node that stops leading) sees it. */
  resetProgress(nextIndex: number): void {
    for (const id of this.members()) {
      this.progressById.set(id, new Progress(nextIndex, this.maxInflight, this.isLearner(id)));
    }
  }

  /** The highest index held by a quorum of voters: the most a leader could commit. */
  quorumMatchIndex(): number {
    const matches = this.voterIds.map((id) => this.progressById.get(id)!.match).sort((a, b) => b - a);
    return matches[this.quorumSize() - 1]!;
  }

  /** Did a quorum of voters (the leader counts itself) answer since the last check? */
  quorumActive(selfId: NodeId): boolean {
    let active = 0;
    for (const id of this.voterIds) {
      if (id === selfId || this.progressById.get(id)!.recentActive) active++;
    }
    return active >= this.quorumSize();
  }

  /** Starts a new check-quorum round: every peer must answer again. */
  markPeersInactive(selfId: NodeId): void {
    for (const [id, progress] of this.progressById) {
      if (id !== selfId) progress.recentActive = false;
    }
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a voter's answer; the first answer of each voter in an election is the one kept. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.isVoter(id) || this.votes.has(id)) return;
    this.votes.set(id, granted);
  }

  tallyVotes(): VoteResult {
    let granted = 0;
    let rejected = 0;
    for (const vote of this.votes.values()) {
      if (vote) granted++;
      else rejected++;
    }
    const quorum = this.quorumSize();
    if (granted >= quorum) return 'won';
    if (rejected > this.voterIds.length - quorum) return 'lost';
    return 'pending';
  }
}
