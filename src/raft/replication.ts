/**
 * The leader's side of log replication: appends paced per follower (probe / pipelined replicate /
 * snapshot), fast back-off on rejections, heartbeats, check-quorum, and advancing the commit index.
 */
import { assert } from '../common/errors.js';
import type { Progress } from './progress.js';
import type { RaftState } from './state.js';
import { NONE, type AppendResponse, type HeartbeatResponse, type NodeId } from './types.js';

/**
 * Sends the follower the entries it needs next, or a snapshot if they were compacted away.
 * With `sendIfEmpty` false nothing is sent when there are no new entries. Returns whether a
 * message went out.
 */
export function sendAppend(s: RaftState, to: NodeId, sendIfEmpty = true): boolean {
  const pr = s.tracker.progress(to);
  if (pr === undefined || pr.isPaused()) return false;
  let prevIndex = pr.next - 1;
  let prevTerm = s.log.term(prevIndex);
  const entries = s.log.entriesFrom(pr.next, s.config.maxEntriesPerAppend);
  if (prevTerm === undefined || entries === undefined) return sendSnapshot(s, to, pr);
  if (entries.length === 0) {
    if (!sendIfEmpty) return false;
    if (pr.state === 'replicate') {
      // Everything is in flight already. Anchor the empty append at what the follower is known to
      // hold, so that it carries the commit index without being rejected for a reordered gap.
      prevIndex = pr.match;
      prevTerm = s.log.term(prevIndex);
      if (prevTerm === undefined) return false;
    }
  }
  pr.sentEntries(entries.length, prevIndex + entries.length);
  pr.sentCommitUpTo(Math.min(s.log.committed, prevIndex + entries.length));
  s.send({ type: 'Append', from: s.id, to, term: s.term, prevLogIndex: prevIndex, prevLogTerm: prevTerm, entries, commit: s.log.committed });
  return true;
}

function sendSnapshot(s: RaftState, to: NodeId, pr: Progress): boolean {
  // A snapshot is expensive: send it only to a follower that is known to be reachable.
  if (!pr.recentActive) return false;
  const snapshot = s.log.snapshot;
  assert(snapshot !== undefined, `entries before ${s.log.firstIndex()} are compacted but there is no snapshot`);
  pr.becomeSnapshot(snapshot.meta.index);
  s.send({ type: 'InstallSnapshot', from: s.id, to, term: s.term, snapshot });
  return true;
}

export function broadcastAppend(s: RaftState, sendIfEmpty = true): void {
  for (const id of s.peers()) sendAppend(s, id, sendIfEmpty);
}

export function broadcastHeartbeat(s: RaftState): void {
  for (const id of s.peers()) {
    const pr = s.tracker.progress(id)!;
    // Never tell a follower to commit past what it is known to hold: its log may still differ there.
    const commit = Math.min(pr.match, s.log.committed);
    pr.sentCommitUpTo(commit);
    s.send({ type: 'Heartbeat', from: s.id, to: id, term: s.term, commit });
  }
}

/**
 * Commits the highest index a quorum of voters holds, but only if that entry is from the current
 * term: an older term's entry on a majority can still be overwritten (Raft's Figure 8), so it is
 * committed only indirectly, by a current-term entry after it.
 */
export function maybeCommit(s: RaftState): boolean {
  const index = s.tracker.quorumMatchIndex();
  if (index <= s.log.committed) return false;
  if (s.log.term(index) !== s.term) return false;
  s.log.commitTo(index);
  return true;
}

/** The leader's own entries became durable up to its persisted index: they count toward commit now. */
export function selfAcknowledge(s: RaftState): void {
  const self = s.tracker.progress(s.id);
  if (self !== undefined && self.maybeUpdate(s.log.persistedIndex) && maybeCommit(s)) broadcastAppend(s);
}

export function handleAppendResponse(s: RaftState, m: AppendResponse): void {
  const pr = s.tracker.progress(m.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  if (!m.success) {
    handleRejection(s, m, pr);
    return;
  }
  const updated = pr.maybeUpdate(m.index);
  // A probe answered at the known match also proves where the logs agree.
  if (!updated && !(pr.state === 'probe' && m.index === pr.match)) return;
  if (pr.state === 'probe') {
    pr.becomeReplicate();
  } else if (pr.state === 'snapshot' && pr.match + 1 >= s.log.firstIndex()) {
    // The follower caught up through the snapshot; resume normal replication right after it.
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === 'replicate') {
    pr.inflights.freeUpTo(m.index);
  }
  if (maybeCommit(s)) broadcastAppend(s);
  else if (pr.canBumpCommit(s.log.committed)) sendAppend(s, m.from);
  // Fill the pipelining window with whatever is left to send.
  while (sendAppend(s, m.from, false)) {
    /* keep sending */
  }
}

function handleRejection(s: RaftState, m: AppendResponse, pr: Progress): void {
  let matchHint = m.rejectHint;
  if (m.rejectHintTerm > 0) {
    // Skip every index where our term is above the follower's: none of them can match.
    matchHint = s.log.findConflictByTerm(m.rejectHint, m.rejectHintTerm).index;
  }
  if (!pr.maybeDecrTo(m.index, matchHint)) return;
  if (pr.state === 'replicate') pr.becomeProbe();
  sendAppend(s, m.from);
}

export function handleHeartbeatResponse(s: RaftState, m: HeartbeatResponse): void {
  const pr = s.tracker.progress(m.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  if (pr.state === 'probe') {
    // The follower is alive: an unanswered probe was probably lost, so send it again.
    pr.probeSent = false;
    sendAppend(s, m.from);
  } else if (pr.match < s.log.lastIndex()) {
    sendAppend(s, m.from, false);
  }
}

/** A leader's clock: heartbeats, check-quorum, and recovery of followers whose appends were lost. */
export function tickLeader(s: RaftState): void {
  s.heartbeatElapsed++;
  s.electionElapsed++;
  if (s.electionElapsed >= s.config.electionTicks) {
    s.electionElapsed = 0;
    if (s.config.checkQuorum) {
      if (!s.tracker.quorumActive(s.id)) {
        s.config.logger?.warn({ term: s.term }, 'no quorum answered within an election timeout');
        s.becomeFollower(s.term, NONE);
        return;
      }
      s.tracker.markPeersInactive(s.id);
    }
  }
  if (s.heartbeatElapsed >= s.config.heartbeatTicks) {
    s.heartbeatElapsed = 0;
    broadcastHeartbeat(s);
    reprobeStalledFollowers(s);
  }
}

/**
 * Appends streamed to a follower may be lost without any answer to tell. When its match has not
 * moved for two heartbeat rounds while it lags, probe it again. A snapshot gets an election timeout.
 */
function reprobeStalledFollowers(s: RaftState): void {
  const snapshotRounds = Math.max(2, Math.ceil(s.config.electionTicks / s.config.heartbeatTicks));
  const lastIndex = s.log.lastIndex();
  for (const id of s.peers()) {
    const pr = s.tracker.progress(id)!;
    const stalledRounds = pr.noteHeartbeatRound(lastIndex);
    const limit = pr.state === 'replicate' ? 2 : pr.state === 'snapshot' ? snapshotRounds : Infinity;
    if (stalledRounds >= limit) {
      pr.becomeProbe();
      sendAppend(s, id);
    }
  }
}
