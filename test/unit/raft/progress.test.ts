import { describe, expect, it } from 'vitest';
import { Inflights, Progress } from '../../../src/raft/progress.js';
import { ProgressTracker } from '../../../src/raft/tracker.js';

describe('Progress', () => {
  it('in probe state sends one append at a time until it is answered', () => {
    const pr = new Progress(5, 4, false);
    expect(pr.isPaused()).toBe(false);
    pr.sentEntries(2, 6);
    expect(pr.isPaused()).toBe(true);
    expect(pr.next).toBe(5);
    expect(pr.maybeUpdate(6)).toBe(true);
    expect(pr.isPaused()).toBe(false);
  });

  it('in replicate state streams appends up to the inflight window', () => {
    const pr = new Progress(1, 2, false);
    pr.becomeReplicate();
    pr.sentEntries(3, 3);
    pr.sentEntries(2, 5);
    expect(pr.next).toBe(6);
    expect(pr.isPaused()).toBe(true);
    pr.maybeUpdate(3);
    pr.inflights.freeUpTo(3);
    expect(pr.isPaused()).toBe(false);
  });

  it('ignores stale rejections and backs off to the hint on a genuine one', () => {
    const pr = new Progress(11, 4, false);
    pr.match = 2;
    // Probing at next-1 = 10: a rejection for index 7 belongs to an older probe.
    expect(pr.maybeDecrTo(7, 3)).toBe(false);
    expect(pr.maybeDecrTo(10, 4)).toBe(true);
    expect(pr.next).toBe(5);
    // The hint never moves next below match + 1.
    pr.next = 11;
    expect(pr.maybeDecrTo(10, 0)).toBe(true);
    expect(pr.next).toBe(3);
  });

  it('in replicate state falls back to just after the match on a rejection above it', () => {
    const pr = new Progress(1, 4, false);
    pr.match = 5;
    pr.becomeReplicate();
    pr.sentEntries(3, 9);
    expect(pr.maybeDecrTo(4, 0)).toBe(false);
    expect(pr.maybeDecrTo(8, 0)).toBe(true);
    expect(pr.next).toBe(6);
  });

  it('probes right after a snapshot once the follower has it', () => {
    const pr = new Progress(3, 4, false);
    pr.becomeSnapshot(20);
    expect(pr.isPaused()).toBe(true);
    pr.becomeProbe();
    expect(pr.next).toBe(21);
  });

  it('reports a follower whose match stopped moving for several heartbeat rounds', () => {
    const pr = new Progress(1, 4, false);
    pr.becomeReplicate();
    pr.sentEntries(5, 5);
    expect(pr.noteHeartbeatRound(5)).toBe(1);
    expect(pr.noteHeartbeatRound(5)).toBe(2);
    pr.maybeUpdate(5);
    expect(pr.noteHeartbeatRound(5)).toBe(0);
  });
});

describe('Inflights', () => {
  it('frees every append up to the acknowledged index, in order', () => {
    const inflights = new Inflights(3);
    inflights.add(2);
    inflights.add(5);
    inflights.add(9);
    expect(inflights.full()).toBe(true);
    inflights.freeUpTo(5);
    expect(inflights.count()).toBe(1);
    expect(() => inflights.add(4)).toThrow();
  });
});

describe('ProgressTracker', () => {
  it('commits at the highest index a quorum of voters holds, ignoring learners', () => {
    const tracker = new ProgressTracker({ voters: [1, 2, 3], learners: [4] }, 4);
    tracker.progress(1)!.match = 10;
    tracker.progress(2)!.match = 7;
    tracker.progress(3)!.match = 3;
    tracker.progress(4)!.match = 10;
    expect(tracker.quorumMatchIndex()).toBe(7);
  });

  it('wins with a quorum of grants, loses once a quorum is out of reach, and ignores learners', () => {
    const tracker = new ProgressTracker({ voters: [1, 2, 3, 4, 5], learners: [6] }, 4);
    tracker.recordVote(1, true);
    tracker.recordVote(6, true);
    tracker.recordVote(2, true);
    expect(tracker.tallyVotes()).toBe('pending');
    tracker.recordVote(3, false);
    tracker.recordVote(4, false);
    expect(tracker.tallyVotes()).toBe('pending');
    tracker.recordVote(5, false);
    expect(tracker.tallyVotes()).toBe('lost');
    // A voter's first answer is the one that counts.
    tracker.recordVote(5, true);
    expect(tracker.tallyVotes()).toBe('lost');
  });
});
