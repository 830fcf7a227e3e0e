import { describe, expect, it } from 'vitest';
import type { InstallSnapshotRequest, Message, Snapshot } from '../../../src/raft/types.js';
import { Harness, bytes } from './harness.js';
import { drain, makeCore } from './single-core.js';

function snapshotOf(index: number, term: number): Snapshot {
  return { meta: { index, term, membership: { voters: [1, 2, 3], learners: [] } }, data: bytes(`state@${index}`) };
}

function installFrom(leader: number, to: number, term: number, snapshot: Snapshot): Message {
  return { type: 'InstallSnapshot', from: leader, to, term, snapshot };
}

/** Proposes `count` entries on node 1 while node 3 is cut off, then compacts nodes 1 and 2. */
function clusterWithLaggingFollower(count: number): Harness {
  const h = new Harness({ voters: [1, 2, 3] });
  h.elect(1);
  h.isolate(3);
  for (let i = 0; i < count; i++) h.node(1).propose(bytes(`e${i}`));
  h.flush();
  for (const id of [1, 2]) h.compact(id, bytes(`state@${h.node(id).appliedIndex()}`));
  return h;
}

describe('snapshots', () => {
  it('compacting keeps the log after the snapshot and the commit index', () => {
    const h = clusterWithLaggingFollower(10);
    const leader = h.node(1);
    expect(leader.firstIndex()).toBe(leader.appliedIndex() + 1);
    expect(leader.entryAt(leader.appliedIndex())).toBeUndefined();
    expect(leader.commitIndex()).toBe(11);
  });

  it('a follower whose next entry was compacted receives InstallSnapshot and continues after it', () => {
    const h = clusterWithLaggingFollower(10);
    h.heal();
    h.tickAll(3);
    const installs = h.sent.filter((m): m is InstallSnapshotRequest => m.type === 'InstallSnapshot');
    expect(installs.map((m) => [m.from, m.to, m.snapshot.meta.index])).toEqual([[1, 3, 11]]);
    expect(h.durable.get(3)!.load().snapshot?.meta.index).toBe(11);
    expect(h.node(3).commitIndex()).toBe(11);

    h.node(1).propose(bytes('after'));
    h.flush();
    expect(h.appliedData(3)).toEqual(['after']);
    expect(h.node(3).appliedIndex()).toBe(12);
  });

  it('a received snapshot appears in Ready.snapshot, replaces a conflicting log, and is answered after it', () => {
    const follower = makeCore({ id: 2, logTerms: [1, 1, 1], hardState: { term: 1, commit: 1 } });
    follower.step(installFrom(1, 2, 3, snapshotOf(10, 3)));
    const ready = follower.ready();
    expect(ready.snapshot?.meta).toMatchObject({ index: 10, term: 3 });
    expect(ready.committed).toEqual([]);
    expect(ready.hardState).toEqual({ term: 3, vote: 0, commit: 10 });
    expect(ready.messages).toEqual([expect.objectContaining({ type: 'AppendResponse', success: true, index: 10 })]);
    follower.advance();
    expect(follower.lastIndex()).toBe(10);
    expect(follower.firstIndex()).toBe(11);
    expect(follower.appliedIndex()).toBe(10);
    expect(follower.hasReady()).toBe(false);
  });

  it('a snapshot whose last entry the follower already holds only advances the commit index', () => {
    const follower = makeCore({ id: 2, logTerms: [1, 1, 2, 2, 2], hardState: { term: 2, commit: 1 } });
    follower.step(installFrom(1, 2, 2, snapshotOf(4, 2)));
    const ready = drain(follower);
    expect(ready.snapshot).toBeUndefined();
    // A restarted node re-applies from its (empty) snapshot, so index 1 is applied again too.
    expect(ready.committed.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    expect(follower.lastIndex()).toBe(5);
  });

  it('a stale snapshot at or below the commit index is ignored', () => {
    const follower = makeCore({ id: 2, logTerms: [1, 1, 1], hardState: { term: 1, commit: 3 } });
    follower.step(installFrom(1, 2, 1, snapshotOf(2, 1)));
    const ready = drain(follower);
    expect(ready.snapshot).toBeUndefined();
    expect(ready.messages).toEqual([expect.objectContaining({ type: 'AppendResponse', success: true, index: 3 })]);
  });

  it('a node restarted from a snapshot and its later entries re-applies only the entries after it', () => {
    const h = clusterWithLaggingFollower(6);
    const leader = h.start(1);
    expect(leader.firstIndex()).toBe(8);
    expect(leader.appliedIndex()).toBe(7);
    expect(drain(leader).committed).toEqual([]);
  });
});
