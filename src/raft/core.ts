/**
 * RaftCore: the facade a driver uses. tick() and step() move the state machine, propose() adds an
 * entry on the leader, and ready()/advance() hand out what to persist, send and apply.
 */
import { assert, errors } from '../common/errors.js';
import { resolveConfig, type RaftConfig } from './config.js';
import { campaign, peerLost, tickElection } from './election.js';
import { ReadyTracker } from './ready.js';
import { broadcastAppend, selfAcknowledge, tickLeader } from './replication.js';
import { RaftState } from './state.js';
import { stepMessage } from './step.js';
import type { Entry, Message, NodeId, RaftInitialState, Ready, Role } from './types.js';
import type { ProgressState } from './progress.js';

export type { RaftConfig } from './config.js';

export interface PeerProgress {
  readonly id: NodeId;
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly learner: boolean;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly leader: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  /** Per member, on the leader only. */
  readonly progress?: readonly PeerProgress[];
}

export class RaftCore {
  readonly id: NodeId;
  private readonly state: RaftState;
  private readonly readiness: ReadyTracker;

  constructor(config: RaftConfig, initial: RaftInitialState) {
    const resolved = resolveConfig(config);
    this.id = resolved.id;
    const fallbackMembership = { voters: [...config.voters], learners: [...(config.learners ?? [])] };
    this.state = new RaftState(resolved, initial, fallbackMembership);
    this.readiness = new ReadyTracker(this.state);
  }

  tick(): void {
    if (this.state.role === 'leader') tickLeader(this.state);
    else tickElection(this.state);
  }

  /** Handles a message from a peer. Messages for another node, or from a stale term, are dropped or answered safely. */
  step(message: Message): void {
    stepMessage(this.state, message);
  }

  /** The transport lost its connection to `peer` (see `RaftTransport.onPeerLost`). */
  peerLost(peer: NodeId): void {
    peerLost(this.state, peer);
  }

  /** Starts an election now, as if the election timeout had passed (with a pre-vote round if configured). */
  campaign(): void {
    campaign(this.state, this.state.config.preVote);
  }

  /** Appends `data` to the log; throws NOT_CONTROLLER with the known leader's id on any other node. */
  propose(data: Uint8Array): { index: number; term: number } {
    return this.proposeAll([data]);
  }

  /**
   * Appends each of `data` to the log, in order, and returns the first one's position (the others
   * follow it at consecutive indexes). One call sends each follower one append for all of them,
   * where a call per entry would send a message per entry. Throws NOT_CONTROLLER like propose().
   */
  proposeAll(data: readonly Uint8Array[]): { index: number; term: number } {
    const s = this.state;
    if (s.role !== 'leader') {
      throw errors.notController(`node ${this.id} is not the Raft leader`, { leaderId: s.lead });
    }
    const first = s.log.lastIndex() + 1;
    const entries: Entry[] = data.map((d, i) => ({ index: first + i, term: s.term, type: 'normal', data: d }));
    s.log.append(entries);
    broadcastAppend(s, false);
    return { index: first, term: s.term };
  }

  hasReady(): boolean {
    return this.readiness.hasReady(this.state);
  }

  ready(): Ready {
    return this.readiness.build(this.state);
  }

  advance(): void {
    this.readiness.advance(this.state);
    if (this.state.role === 'leader') selfAcknowledge(this.state);
  }

  /**
   * The application's snapshot at an applied index: the log before it is dropped from memory and
   * the snapshot is kept to send to followers that need compacted entries. The driver persists it.
   */
  snapshot(index: number, data: Uint8Array): void {
    const s = this.state;
    assert(index <= s.log.applied, `snapshot at ${index} beyond the applied index ${s.log.applied}`);
    s.log.compact(index, data, s.tracker.membership());
  }

  addLearner(id: NodeId): void {
    const s = this.state;
    assert(!s.tracker.isVoter(id), `node ${id} is a voter and cannot also be a learner`);
    s.tracker.addLearner(id, s.log.lastIndex() + 1);
  }

  role(): Role {
    return this.state.role;
  }

  leader(): NodeId {
    return this.state.lead;
  }

  term(): number {
    return this.state.term;
  }

  commitIndex(): number {
    return this.state.log.committed;
  }

  lastIndex(): number {
    return this.state.log.lastIndex();
  }

  appliedIndex(): number {
    return this.state.log.applied;
  }

  /** The first index still in the in-memory log; everything before it is covered by the snapshot. */
  firstIndex(): number {
    return this.state.log.firstIndex();
  }

  /** The entry at `index`, if it is held in memory (not compacted, not beyond the end). */
  entryAt(index: number): Entry | undefined {
    return this.state.log.entry(index);
  }

  status(): RaftStatus {
    const s = this.state;
    const base = {
      id: this.id,
      role: s.role,
      term: s.term,
      leader: s.lead,
      commit: s.log.committed,
      applied: s.log.applied,
      lastIndex: s.log.lastIndex(),
    };
    if (s.role !== 'leader') return base;
    const progress = s.tracker.members().map((id) => {
      const pr = s.tracker.progress(id)!;
      return { id, match: pr.match, next: pr.next, state: pr.state, learner: pr.isLearner };
    });
    return { ...base, progress };
  }
}
