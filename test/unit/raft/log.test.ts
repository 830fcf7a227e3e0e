import { describe, expect, it } from 'vitest';
import { AssertionFailure } from '../../../src/common/errors.js';
import { RaftLog } from '../../../src/raft/log.js';
import type { Entry, Snapshot } from '../../../src/raft/types.js';

function entries(terms: number[], firstIndex = 1): Entry[] {
  return terms.map((term, i) => ({ index: firstIndex + i, term, type: 'normal', data: new Uint8Array([i]) }));
}

function snapshotAt(index: number, term: number): Snapshot {
  return { meta: { index, term, membership: { voters: [1, 2, 3], learners: [] } }, data: new Uint8Array() };
}

describe('RaftLog', () => {
  it('keeps entries that agree, truncates a conflicting suffix, and appends the rest', () => {
    const log = new RaftLog(undefined, entries([1, 1, 2, 2]), 1);
    // The leader's log is 1 1 3 3 3: index 3 conflicts.
    const last = log.maybeAppend(2, 1, 5, entries([3, 3, 3], 3));
    expect(last).toBe(5);
    expect([3, 4, 5].map((i) => log.term(i))).toEqual([3, 3, 3]);
    expect(log.persistedIndex).toBe(2);
    expect(log.unstableEntries().map((e) => e.index)).toEqual([3, 4, 5]);
    expect(log.committed).toBe(5);
  });

  it('does not truncate when a delayed append only repeats entries it already holds', () => {
    const log = new RaftLog(undefined, entries([1, 1, 2, 2]), 0);
    expect(log.maybeAppend(1, 1, 0, entries([1], 2))).toBe(2);
    expect(log.lastIndex()).toBe(4);
  });

  it('commits no further than the last entry the append proved to match', () => {
    const log = new RaftLog(undefined, entries([1, 1, 1, 1]), 0);
    log.maybeAppend(1, 1, 10, []);
    expect(log.committed).toBe(1);
  });

  it('refuses an append whose previous entry it does not hold', () => {
    const log = new RaftLog(undefined, entries([1, 1]), 0);
    expect(log.maybeAppend(2, 2, 2, entries([2], 3))).toBeUndefined();
    expect(log.maybeAppend(5, 1, 2, [])).toBeUndefined();
    expect(log.lastIndex()).toBe(2);
  });

  it('never truncates committed entries', () => {
    const log = new RaftLog(undefined, entries([1, 1, 1]), 3);
    expect(() => log.maybeAppend(1, 1, 3, entries([2], 2))).toThrow(AssertionFailure);
  });

  it('findConflictByTerm skips every index whose term is above the given term', () => {
    const log = new RaftLog(undefined, entries([1, 1, 2, 2, 4, 4, 4]), 0);
    expect(log.findConflictByTerm(7, 3)).toEqual({ index: 4, term: 2 });
    expect(log.findConflictByTerm(7, 4)).toEqual({ index: 7, term: 4 });
    expect(log.findConflictByTerm(7, 0)).toEqual({ index: 0, term: 0 });
    expect(log.findConflictByTerm(9, 4)).toEqual({ index: 9, term: 0 });
  });

  it('compares logs by last term, then by length', () => {
    const log = new RaftLog(undefined, entries([1, 2, 2]), 0);
    expect(log.isUpToDate(3, 2)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(false);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(10, 1)).toBe(false);
  });

  it('compacts applied, persisted entries into a snapshot and still knows the snapshot term', () => {
    const log = new RaftLog(undefined, entries([1, 1, 2, 2, 3]), 4);
    log.appliedTo(4);
    expect(log.compact(3, new Uint8Array([9]), { voters: [1], learners: [] })).toBe(true);
    expect(log.firstIndex()).toBe(4);
    expect(log.term(3)).toBe(2);
    expect(log.term(2)).toBeUndefined();
    expect(log.entriesFrom(3, 10)).toBeUndefined();
    expect(log.entriesFrom(4, 10)!.map((e) => e.index)).toEqual([4, 5]);
    expect(log.snapshot!.meta).toMatchObject({ index: 3, term: 2 });
    expect(() => log.compact(5, new Uint8Array(), { voters: [1], learners: [] })).toThrow(AssertionFailure);
  });

  it('a restored snapshot replaces the log and stays pending until persisted', () => {
    const log = new RaftLog(undefined, entries([1, 1, 1]), 1);
    const snapshot = snapshotAt(10, 3);
    log.restore(snapshot);
    expect(log.lastIndex()).toBe(10);
    expect(log.lastTerm()).toBe(3);
    expect(log.committed).toBe(10);
    expect(log.pendingSnapshot).toBe(snapshot);
    expect(log.nextCommittedEntries()).toEqual([]);
    log.snapshotPersisted(snapshot);
    expect(log.pendingSnapshot).toBeUndefined();
  });

  it('marks entries stable only if the log still holds them as handed out', () => {
    const log = new RaftLog(undefined, entries([1]), 0);
    log.maybeAppend(1, 1, 0, entries([1, 1], 2));
    const handedOut = { index: 3, term: 1 };
    // Before the driver finished, a new leader replaced index 2 and 3.
    log.maybeAppend(1, 1, 0, entries([2, 2], 2));
    log.stableTo(handedOut);
    expect(log.persistedIndex).toBe(1);
    log.stableTo({ index: 3, term: 2 });
    expect(log.persistedIndex).toBe(3);
  });

  it('restarts from a snapshot plus entries, re-applying committed entries after the snapshot', () => {
    const log = new RaftLog(snapshotAt(5, 2), entries([2, 3], 6), 7);
    expect(log.applied).toBe(5);
    expect(log.nextCommittedEntries().map((e) => e.index)).toEqual([6, 7]);
    expect(() => new RaftLog(snapshotAt(5, 2), entries([2], 7), 5)).toThrow(AssertionFailure);
  });
});
