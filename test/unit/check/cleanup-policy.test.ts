import { describe, expect, it } from 'vitest';
import { checkHistory, type CheckOptions, type FinalPartition, type RecordAt } from '../../../src/check/index.js';
import { ack, finalPartition, history, poll, replica, unknown } from './history-builder.js';

// Values are '<key>-<n>': 'a-1' and 'a-2' share key 'a', so a compacted log may keep only the later.
const keyOf = (value: string): string => value.split('-')[0]!;
const COMPACTED: CheckOptions = { compaction: { keyOf } };
const RETAINED: CheckOptions = { retention: true };
const BOTH: CheckOptions = { retention: true, compaction: { keyOf } };

/** Records at the given offsets, gaps allowed: at([0, 'a-1'], [2, 'b-1']). */
function at(...entries: [number, string][]): RecordAt[] {
  return entries.map(([offset, value]) => ({ offset, value }));
}

/** A final partition whose leader holds `records` below `highWatermark` from `logStartOffset` on. */
function finalLog(records: RecordAt[], highWatermark: number, logStartOffset = 0): FinalPartition {
  const replicas = [1, 2, 3].map((node) => ({ ...replica(node, records, highWatermark), logStartOffset }));
  return { ...finalPartition(0, records, replicas), highWatermark, logStartOffset };
}

describe('checker with compaction: acknowledged writes', () => {
  it('accepts an acknowledged value the final log replaced with a later record of its key, and counts it removed', () => {
    const sends = [ack('p1', 0, ['a-1', 'b-1'], 0), ack('p1', 0, ['a-2'], 2)];
    const final = [finalLog(at([1, 'b-1'], [2, 'a-2']), 3)];
    const report = checkHistory(history(sends, [], final), COMPACTED);
    expect(report.valid).toBe(true);
    expect(report.stats.acknowledgedButRemoved).toBe(1);
    // The same history without the option is judged strictly: a-1 is lost.
    const strict = checkHistory(history(sends, [], final));
    expect(strict.lostWrites).toEqual([expect.objectContaining({ value: 'a-1', acknowledgedOffset: 0 })]);
    expect(strict.stats.acknowledgedButRemoved).toBe(0);
  });

  it("reports a key's latest acknowledged value missing as lost, even though an older value of the key remains", () => {
    const sends = [ack('p1', 0, ['a-1'], 0), ack('p1', 0, ['a-2'], 1), ack('p1', 0, ['b-1'], 2)];
    const report = checkHistory(history(sends, [], [finalLog(at([0, 'a-1'], [2, 'b-1']), 3)]), BOTH);
    expect(report.valid).toBe(false);
    expect(report.lostWrites).toEqual([expect.objectContaining({ value: 'a-2', acknowledgedOffset: 1 })]);
  });

  it('reports a value that vanished with only records of other keys after it as lost', () => {
    const sends = [ack('p1', 0, ['a-1', 'b-1', 'b-2'], 0)];
    const report = checkHistory(history(sends, [], [finalLog(at([1, 'b-1'], [2, 'b-2']), 3)]), COMPACTED);
    expect(report.lostWrites).toEqual([expect.objectContaining({ value: 'a-1', acknowledgedOffset: 0 })]);
    expect(report.valid).toBe(false);
  });

  it('judges the later record of a key by offset: one written only below the acknowledged offset excuses nothing', () => {
    // a-2 is acknowledged at 3; the only other 'a' record left, a-9, sits at 1 (an older retry).
    const sends = [unknown('p2', 0, ['a-9']), ack('p1', 0, ['a-2'], 3)];
    const report = checkHistory(history(sends, [], [finalLog(at([1, 'a-9']), 4)]), COMPACTED);
    expect(report.lostWrites).toEqual([expect.objectContaining({ value: 'a-2', acknowledgedOffset: 3 })]);
  });
});

describe('checker with retention: acknowledged writes', () => {
  it('accepts acknowledged values below the final log start offset, and only those', () => {
    const sends = [ack('p1', 0, ['a-1', 'b-1', 'c-1', 'd-1'], 0)];
    // Retention moved the log start to 2; b-1 at 1 is gone with the deleted segment, c-1 at 2 is not allowed to be.
    const final = [finalLog(at([3, 'd-1']), 4, 2)];
    const report = checkHistory(history(sends, [], final), RETAINED);
    expect(report.lostWrites.map((l) => l.value)).toEqual(['c-1']);
    expect(report.stats.acknowledgedButRemoved).toBe(2);
    // Without the option every missing value is lost.
    expect(checkHistory(history(sends, [], final)).lostWrites.map((l) => l.value)).toEqual(['a-1', 'b-1', 'c-1']);
  });

  it('does not let retention alone excuse a record replaced by its key', () => {
    const sends = [ack('p1', 0, ['a-1'], 0), ack('p1', 0, ['a-2'], 1)];
    const final = [finalLog(at([1, 'a-2']), 2)];
    expect(checkHistory(history(sends, [], final), RETAINED).lostWrites.map((l) => l.value)).toEqual(['a-1']);
    expect(checkHistory(history(sends, [], final), BOTH).valid).toBe(true);
  });
});

describe('checker with compaction: consumer reads', () => {
  const sends = [ack('p1', 0, ['a-1', 'b-1', 'a-2'], 0)];

  it('does not call a read of a record later replaced by its key dirty', () => {
    const polls = [poll('c0', 0, at([0, 'a-1'], [1, 'b-1'], [2, 'a-2']))];
    const final = [finalLog(at([1, 'b-1'], [2, 'a-2']), 3)];
    expect(checkHistory(history(sends, polls, final), COMPACTED).dirtyReads).toEqual([]);
    expect(checkHistory(history(sends, polls, final)).dirtyReads).toEqual([expect.objectContaining({ offset: 0, value: 'a-1' })]);
  });

  it('reports a read value that vanished without a later record of its key as dirty', () => {
    const polls = [poll('c0', 0, at([0, 'a-1'], [1, 'b-1'], [2, 'a-2']))];
    // b-1 is gone and no later 'b' record replaced it.
    const report = checkHistory(history(sends, polls, [finalLog(at([2, 'a-2']), 3)]), BOTH);
    expect(report.dirtyReads).toEqual([expect.objectContaining({ offset: 1, value: 'b-1', process: 'c0' })]);
    expect(report.dirtyReads[0]).not.toHaveProperty('finalValue');
    expect(report.valid).toBe(false);
  });

  it('reports a read of a different value than the final log holds at the offset, whatever the key says', () => {
    const polls = [poll('c0', 0, at([1, 'a-7']))];
    const report = checkHistory(history([...sends, unknown('p2', 0, ['a-7'])], polls, [finalLog(at([1, 'b-1'], [2, 'a-2']), 3)]), BOTH);
    expect(report.dirtyReads).toEqual([expect.objectContaining({ offset: 1, value: 'a-7', finalValue: 'b-1' })]);
    expect(report.inconsistentOffsets).toEqual([expect.objectContaining({ offset: 1 })]);
  });
});

describe('checker with compaction: replicas', () => {
  const sends = [ack('p1', 0, ['a-1', 'b-1', 'a-2', 'c-1'], 0)];
  const leaderLog = at([0, 'a-1'], [1, 'b-1'], [2, 'a-2'], [3, 'c-1']);

  function withReplicas(leader: RecordAt[], follower: RecordAt[], followerLogStart = 0): FinalPartition {
    return { ...finalLog(leader, 4), replicas: [replica(1, leader, 4), { ...replica(2, follower, 4), logStartOffset: followerLogStart }] };
  }

  it('accepts replicas that cleaned different records, each keeping a later record of every key it dropped', () => {
    // The follower's cleaner dropped a-1; the leader's has not run yet. And the other way round.
    const followerCleaned = withReplicas(leaderLog, at([1, 'b-1'], [2, 'a-2'], [3, 'c-1']));
    const leaderCleaned = withReplicas(at([1, 'b-1'], [2, 'a-2'], [3, 'c-1']), leaderLog);
    expect(checkHistory(history(sends, [], [followerCleaned]), COMPACTED).divergentReplicas).toEqual([]);
    expect(checkHistory(history(sends, [], [leaderCleaned]), COMPACTED).divergentReplicas).toEqual([]);
    // Strictly, the follower missing offset 0 has diverged.
    expect(checkHistory(history(sends, [], [followerCleaned])).divergentReplicas).toEqual([
      expect.objectContaining({ node: 2, problem: { kind: 'diverged', offset: 0, expected: 'a-1' } }),
    ]);
  });

  it('accepts a replica lacking offsets below its own log start', () => {
    const retained = withReplicas(leaderLog, at([2, 'a-2'], [3, 'c-1']), 2);
    expect(checkHistory(history(sends, [], [retained]), COMPACTED).divergentReplicas).toEqual([]);
  });

  it('reports a replica lacking a record it holds no later record of the key for', () => {
    // The follower lacks b-1 at 1, and holds no later 'b'.
    const report = checkHistory(history(sends, [], [withReplicas(leaderLog, at([0, 'a-1'], [2, 'a-2'], [3, 'c-1']))]), BOTH);
    expect(report.divergentReplicas).toEqual([expect.objectContaining({ node: 2, problem: { kind: 'diverged', offset: 1, expected: 'b-1' } })]);
    expect(report.valid).toBe(false);
  });

  it('reports a leader lacking a record the follower holds when the leader holds no later record of its key', () => {
    const report = checkHistory(history(sends, [], [withReplicas(at([0, 'a-1'], [2, 'a-2'], [3, 'c-1']), leaderLog)]), COMPACTED);
    expect(report.divergentReplicas).toEqual([expect.objectContaining({ node: 2, problem: { kind: 'diverged', offset: 1, actual: 'b-1' } })]);
  });

  it('reports replicas holding different values at one offset, even when keys would excuse a missing one', () => {
    const report = checkHistory(history(sends, [], [withReplicas(leaderLog, at([0, 'a-1'], [1, 'b-1'], [2, 'a-3'], [3, 'c-1']))]), BOTH);
    expect(report.divergentReplicas).toEqual([expect.objectContaining({ node: 2, problem: { kind: 'diverged', offset: 2, expected: 'a-2', actual: 'a-3' } })]);
  });

  it('still tells a replica that has not caught up from one that cleaned', () => {
    const report = checkHistory(history(sends, [], [{ ...withReplicas(leaderLog, at([1, 'b-1'], [2, 'a-2'])), replicas: [replica(1, leaderLog, 4), replica(2, at([1, 'b-1'], [2, 'a-2']), 3)] }]), COMPACTED);
    expect(report.divergentReplicas).toEqual([expect.objectContaining({ node: 2, problem: { kind: 'behind', logEndOffset: 3 } })]);
  });
});

describe('checker with compaction and retention: what keeps its meaning', () => {
  it('still reports reordering, duplicates and values nobody sent', () => {
    // p1 sent a-1 and then, after its acknowledgement, b-1; the final log has b-1 first. z-1 was never sent.
    const a = ack('p1', 0, ['a-1'], 1);
    const b = ack('p1', 0, ['b-1'], 0);
    const retry = unknown('p2', 0, ['c-1']);
    const final = [finalLog(at([0, 'b-1'], [1, 'a-1'], [2, 'c-1'], [3, 'c-1'], [4, 'z-1']), 5)];
    const report = checkHistory(history([a, b, retry], [], final), BOTH);
    expect(report.reorderedSends).toEqual([expect.objectContaining({ earlier: { value: 'a-1', offset: 1 }, later: { value: 'b-1', offset: 0 } })]);
    expect(report.duplicates).toEqual([{ partition: 0, value: 'c-1', offsets: [2, 3] }]);
    expect(report.unexpectedValues).toEqual([{ partition: 0, offset: 4, value: 'z-1' }]);
    expect(report.valid).toBe(false);
  });

  it('still reports two values acknowledged at one offset', () => {
    const sends = [ack('p1', 0, ['a-1'], 0), ack('p2', 0, ['a-2'], 0)];
    const report = checkHistory(history(sends, [], [finalLog(at([0, 'a-2']), 1)]), BOTH);
    expect(report.inconsistentOffsets).toEqual([expect.objectContaining({ offset: 0 })]);
    expect(report.valid).toBe(false);
  });
});
