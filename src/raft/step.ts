/**
 * Handling one incoming message: the term rules every message passes first, then dispatch by
 * message type and role.
 *
 * Term rules (Raft with pre-vote and check-quorum, as in etcd):
 * - A higher term normally makes us a follower in it. Exceptions: a pre-vote request never changes
 *   our term, nor does a granted pre-vote answer (it carries the term we asked about); and while we
 *   heard from a leader within the election timeout, (pre-)vote requests are ignored altogether,
 *   so a node that was cut off cannot depose a healthy leader.
 * - A lower term is stale and dropped, except that an old leader's append or heartbeat is answered
 *   with our term so it steps down, and an old pre-vote is refused with our term so the
 *   pre-candidate catches up.
 */
import { handleVoteRequest, handleVoteResponse } from './election.js';
import { handleAppend, handleHeartbeat, handleInstallSnapshot } from './follower.js';
import { handleAppendResponse, handleHeartbeatResponse } from './replication.js';
import type { RaftState } from './state.js';
import { NONE, type Message } from './types.js';

export function stepMessage(s: RaftState, m: Message): void {
  if (m.to !== s.id || m.from === s.id) return;
  if (m.term > s.term && !acceptHigherTerm(s, m)) return;
  if (m.term < s.term) {
    answerStaleMessage(s, m);
    return;
  }
  dispatch(s, m);
}

/** Applies the higher term of `m`; returns false when `m` must be ignored instead. */
function acceptHigherTerm(s: RaftState, m: Message): boolean {
  if (m.type === 'PreVote' || m.type === 'Vote') {
    const inLease = s.config.checkQuorum && s.lead !== NONE && s.electionElapsed < s.config.electionTicks;
    if (inLease) return false;
  }
  if (m.type === 'PreVote' || (m.type === 'PreVoteResponse' && m.granted)) return true;
  const fromLeader = m.type === 'Append' || m.type === 'Heartbeat' || m.type === 'InstallSnapshot';
  s.becomeFollower(m.term, fromLeader ? m.from : NONE);
  return true;
}

function answerStaleMessage(s: RaftState, m: Message): void {
  const { checkQuorum, preVote } = s.config;
  if ((checkQuorum || preVote) && (m.type === 'Append' || m.type === 'Heartbeat')) {
    // The sender still thinks it leads an old term. With pre-vote or check-quorum we may never
    // send it a higher-term vote request, so tell it the current term here.
    s.send({ type: 'AppendResponse', from: s.id, to: m.from, term: s.term, success: false, index: 0, rejectHint: 0, rejectHintTerm: 0 });
  } else if (m.type === 'PreVote') {
    s.send({ type: 'PreVoteResponse', from: s.id, to: m.from, term: s.term, granted: false });
  }
}

function dispatch(s: RaftState, m: Message): void {
  switch (m.type) {
    case 'PreVote':
    case 'Vote':
      handleVoteRequest(s, m);
      return;
    case 'PreVoteResponse':
    case 'VoteResponse':
      handleVoteResponse(s, m);
      return;
    case 'Append':
    case 'Heartbeat':
    case 'InstallSnapshot':
      if (s.role === 'leader') return; // two leaders in one term cannot happen; never obey one
      if (s.role === 'candidate' || s.role === 'precandidate') s.becomeFollower(s.term, m.from);
      if (m.type === 'Append') handleAppend(s, m);
      else if (m.type === 'Heartbeat') handleHeartbeat(s, m);
      else handleInstallSnapshot(s, m);
      return;
    case 'AppendResponse':
      if (s.role === 'leader') handleAppendResponse(s, m);
      return;
    case 'HeartbeatResponse':
      if (s.role === 'leader') handleHeartbeatResponse(s, m);
      return;
  }
}
