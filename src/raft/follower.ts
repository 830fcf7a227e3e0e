/**
 * A follower's (or learner's) side of replication: accepting appends when the logs agree at the
 * previous entry, hinting where they may agree when they do not, following the leader's commit
 * index, and installing snapshots.
 */
import type { RaftState } from './state.js';
import type { AppendRequest, HeartbeatRequest, InstallSnapshotRequest, NodeId } from './types.js';

function heardFromLeader(s: RaftState, leader: NodeId): void {
  s.electionElapsed = 0;
  s.lead = leader;
}

function acknowledge(s: RaftState, to: NodeId, index: number): void {
  s.send({ type: 'AppendResponse', from: s.id, to, term: s.term, success: true, index, rejectHint: 0, rejectHintTerm: 0 });
}

export function handleAppend(s: RaftState, m: AppendRequest): void {
  heardFromLeader(s, m.from);
  if (m.prevLogIndex < s.log.committed) {
    // Everything up to our commit index is settled; tell the leader to continue from there.
    acknowledge(s, m.from, s.log.committed);
    return;
  }
  const lastNewIndex = s.log.maybeAppend(m.prevLogIndex, m.prevLogTerm, m.commit, m.entries);
  if (lastNewIndex !== undefined) {
    acknowledge(s, m.from, lastNewIndex);
    return;
  }
  // Point the leader at the last index where our logs may agree: the highest one whose term is not
  // above the term the leader has at prevLogIndex. This skips a whole diverging term per round trip.
  const probeFrom = Math.min(m.prevLogIndex, s.log.lastIndex());
  const hint = s.log.findConflictByTerm(probeFrom, m.prevLogTerm);
  s.send({
    type: 'AppendResponse',
    from: s.id,
    to: m.from,
    term: s.term,
    success: false,
    index: m.prevLogIndex,
    rejectHint: hint.index,
    rejectHintTerm: hint.term,
  });
}

export function handleHeartbeat(s: RaftState, m: HeartbeatRequest): void {
  heardFromLeader(s, m.from);
  s.log.commitTo(m.commit);
  s.send({ type: 'HeartbeatResponse', from: s.id, to: m.from, term: s.term });
}

export function handleInstallSnapshot(s: RaftState, m: InstallSnapshotRequest): void {
  heardFromLeader(s, m.from);
  const { index, term } = m.snapshot.meta;
  if (index <= s.log.committed) {
    acknowledge(s, m.from, s.log.committed);
    return;
  }
  if (s.log.matchTerm(index, term)) {
    // Our log already holds the snapshot's last entry, so it holds everything before it too.
    s.log.commitTo(index);
    acknowledge(s, m.from, index);
    return;
  }
  s.log.restore(m.snapshot);
  s.tracker.adoptLearners(m.snapshot.meta.membership);
  s.config.logger?.info({ index, term }, 'installed snapshot from the leader');
  acknowledge(s, m.from, s.log.lastIndex());
}
