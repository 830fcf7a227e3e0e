/**
 * The mutable state of one Raft node and its role transitions. The election, replication and
 * step modules act on it; the RaftCore facade owns it.
 */
import { AssertionFailure, assert } from '../common/errors.js';
import type { ResolvedRaftConfig } from './config.js';
import { RaftLog } from './log.js';
import { ProgressTracker } from './tracker.js';
import { NONE, type Entry, type HardState, type Membership, type Message, type NodeId, type RaftInitialState, type Role } from './types.js';

const NO_DATA = new Uint8Array(0);

export class RaftState {
  readonly id: NodeId;
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  term: number;
  vote: NodeId;
  lead: NodeId = NONE;
  role: Role;
  /** Ticks since the last election timeout reset (or, on a leader, since the last check-quorum). */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Messages to send once the current Ready is persisted. */
  readonly outbox: Message[] = [];

  constructor(readonly config: ResolvedRaftConfig, initial: RaftInitialState, fallbackMembership: Membership) {
    this.id = config.id;
    const membership = initial.snapshot?.meta.membership ?? fallbackMembership;
    this.log = new RaftLog(initial.snapshot, initial.entries, initial.hardState.commit);
    this.tracker = new ProgressTracker(membership, config.maxInflightAppends);
    this.term = initial.hardState.term;
    this.vote = initial.hardState.vote;
    this.role = this.followerRole();
    if (config.preVote && config.checkQuorum) {
      // A node that has just started knows of no leader, so its first timeout is drawn from
      // [1, base] ticks instead of [base, 2 base). With pre-vote and the leader lease an early
      // campaign cannot disturb a leader its peers still hear from (they ignore it), so a restart
      // into a live quorum costs nothing, and a fresh quorum elects its first leader sooner.
      this.randomizedElectionTimeout = config.random.int(1, config.electionTicks);
    } else {
      this.resetElectionTimer();
    }
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** Voters campaign and vote; learners only follow. */
  isVoter(): boolean {
    return this.tracker.isVoter(this.id);
  }

  send(message: Message): void {
    if (message.to === this.id) throw new AssertionFailure(`node ${this.id} sending ${message.type} to itself`);
    this.outbox.push(message);
  }

  /** Peers a leader replicates to, in a stable order. */
  peers(): NodeId[] {
    return this.tracker.members().filter((id) => id !== this.id);
  }

  becomeFollower(term: number, lead: NodeId): void {
    const wasLeader = this.role === 'leader';
    this.reset(term);
    this.lead = lead;
    this.role = this.followerRole();
    if (wasLeader) this.config.logger?.info({ term }, 'stepped down as Raft leader');
  }

  /** Pre-vote: ask whether a quorum would vote for us, without touching the term or the vote. */
  becomePreCandidate(): void {
    assert(this.role !== 'leader', 'a leader cannot become a pre-candidate');
    assert(this.isVoter(), 'a learner never campaigns');
    this.role = 'precandidate';
    this.lead = NONE;
    this.tracker.resetVotes();
    this.electionElapsed = 0;
    this.resetElectionTimer();
  }

  becomeCandidate(): void {
    assert(this.role !== 'leader', 'a leader cannot become a candidate');
    assert(this.isVoter(), 'a learner never campaigns');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  /** Takes leadership of the current term and appends the no-op that lets it commit earlier entries. */
  becomeLeader(): void {
    assert(this.role === 'candidate', `only a candidate becomes leader (was ${this.role})`);
    this.reset(this.term);
    this.role = 'leader';
    this.lead = this.id;
    const self = this.tracker.progress(this.id)!;
    // The leader's own entries count toward commit only once they are durable.
    self.match = this.log.persistedIndex;
    self.becomeReplicate();
    self.recentActive = true;
    const noop: Entry = { index: this.log.lastIndex() + 1, term: this.term, type: 'noop', data: NO_DATA };
    this.log.append([noop]);
    this.config.logger?.info({ term: this.term, lastIndex: this.log.lastIndex() }, 'became Raft leader');
  }

  private followerRole(): Role {
    return this.isVoter() ? 'follower' : 'learner';
  }

  private reset(term: number): void {
    if (term !== this.term) {
      assert(term > this.term, `term going backwards from ${this.term} to ${term}`);
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetElectionTimer();
    this.tracker.resetVotes();
    this.tracker.resetProgress(this.log.lastIndex() + 1);
  }

  private resetElectionTimer(): void {
    const base = this.config.electionTicks;
    this.randomizedElectionTimeout = this.config.random.int(base, 2 * base - 1);
  }
}
