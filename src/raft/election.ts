/**
 * Leader election: randomized timeouts, the pre-vote round, vote rules, and counting votes.
 *
 * Vote rules: a voter grants at most one vote per term, and only to a candidate whose log is at
 * least as up to date as its own, so that any elected leader holds every committed entry.
 * Pre-votes use the same rules for the next term without changing anyone's term or vote, so a node
 * that cannot win (cut off, or behind) never forces a healthy leader to step down.
 */
import { broadcastAppend } from './replication.js';
import type { RaftState } from './state.js';
import { NONE, type NodeId, type VoteRequest, type VoteResponse } from './types.js';

/** A follower's or candidate's clock: campaign when no leader was heard for the election timeout. */
export function tickElection(s: RaftState): void {
  s.electionElapsed++;
  if (!s.isVoter()) return;
  if (s.electionElapsed >= s.randomizedElectionTimeout) {
    s.electionElapsed = 0;
    campaign(s, s.config.preVote);
  }
}

/**
 * The connection to `peer` broke. If it is this follower's leader, its process may have died (a
 * killed process's sockets close at once): stop honouring its lease and campaign within half an
 * election timeout (randomized, so the followers that lost it together rarely split the vote)
 * instead of a whole one. Only a hint, and only with pre-vote and the lease: a leader that is
 * alive keeps its term, since the followers that still hear it ignore the pre-vote.
 */
export function peerLost(s: RaftState, peer: NodeId): void {
  if (s.role !== 'follower' || s.lead !== peer || !s.isVoter() || !s.config.preVote || !s.config.checkQuorum) return;
  const soon = s.randomizedElectionTimeout - s.config.random.int(1, Math.max(1, Math.floor(s.config.electionTicks / 2)));
  s.electionElapsed = Math.max(s.electionElapsed, s.config.electionTicks, soon);
}

export function campaign(s: RaftState, preVote: boolean): void {
  if (s.role === 'leader' || !s.isVoter()) return;
  if (preVote) s.becomePreCandidate();
  else s.becomeCandidate();
  const type = preVote ? 'PreVote' : 'Vote';
  // A pre-vote asks about the term we would campaign in; a real vote is for the term just started.
  const term = preVote ? s.term + 1 : s.term;
  s.tracker.recordVote(s.id, true);
  if (concludeElection(s)) return;
  const lastLogIndex = s.log.lastIndex();
  const lastLogTerm = s.log.lastTerm();
  for (const to of s.tracker.voters()) {
    if (to === s.id) continue;
    s.send({ type, from: s.id, to, term, lastLogIndex, lastLogTerm });
  }
}

export function handleVoteRequest(s: RaftState, m: VoteRequest): void {
  const responseType = m.type === 'PreVote' ? 'PreVoteResponse' : 'VoteResponse';
  const canVote =
    s.isVoter() &&
    // a repeat of the vote we cast, or no vote cast and no leader known in this term,
    // or a pre-vote for a later term (which promises nothing)
    (s.vote === m.from || (s.vote === NONE && s.lead === NONE) || (m.type === 'PreVote' && m.term > s.term));
  if (canVote && s.log.isUpToDate(m.lastLogIndex, m.lastLogTerm)) {
    // Answer in the request's term: a pre-candidate ignores answers from other terms.
    s.send({ type: responseType, from: s.id, to: m.from, term: m.term, granted: true });
    if (m.type === 'Vote') {
      s.electionElapsed = 0;
      s.vote = m.from;
    } else if (s.role === 'precandidate' && m.from < s.id) {
      // Two pre-candidates at once (followers that lost their leader together) would both go on
      // to a real vote and split it, costing another election timeout. The higher id steps aside
      // for the lower one it just granted, which can then win with this node's vote.
      s.becomeFollower(s.term, NONE);
    }
  } else {
    s.send({ type: responseType, from: s.id, to: m.from, term: s.term, granted: false });
  }
}

export function handleVoteResponse(s: RaftState, m: VoteResponse): void {
  const expected = s.role === 'precandidate' ? 'PreVoteResponse' : s.role === 'candidate' ? 'VoteResponse' : undefined;
  if (m.type !== expected) return;
  // A grant from an earlier pre-vote round speaks for an older term than the one we now ask about.
  if (m.type === 'PreVoteResponse' && m.granted && m.term !== s.term + 1) return;
  s.tracker.recordVote(m.from, m.granted);
  concludeElection(s);
}

/** Acts on the election's outcome once it is known; returns true if it was. */
function concludeElection(s: RaftState): boolean {
  const result = s.tracker.tallyVotes();
  if (result === 'pending') return false;
  if (result === 'lost') {
    s.becomeFollower(s.term, NONE);
  } else if (s.role === 'precandidate') {
    campaign(s, false);
  } else {
    s.becomeLeader();
    broadcastAppend(s);
  }
  return true;
}
