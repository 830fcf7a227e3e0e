import { describe, expect, it } from 'vitest';
import { checkHistory, describeReport } from '../../../src/check/index.js';
import { ack, finalPartition, history, poll, recs, replica, unknown } from './history-builder.js';

describe('queue history checker', () => {
  it('accepts a clean history', () => {
    const report = checkHistory(
      history(
        [ack('p1', 0, ['a', 'b'], 0), ack('p1', 0, ['c'], 2), ack('p2', 1, ['x'], 0)],
        [poll('c0', 0, recs(0, 'a', 'b', 'c')), poll('c1', 1, recs(0, 'x'))],
        [finalPartition(0, recs(0, 'a', 'b', 'c')), finalPartition(1, recs(0, 'x'))],
      ),
    );
    expect(report.valid).toBe(true);
    expect(report.stats).toMatchObject({ sends: 3, acknowledgedSends: 3, acknowledgedValues: 4, polledRecords: 4, finalRecords: 4, unreadAcknowledgedValues: 0 });
    expect(describeReport(report)).toContain('3/3 sends acknowledged');
  });

  it('reports an acknowledged value missing from the final log as lost, and its offset as inconsistent', () => {
    const report = checkHistory(history([ack('p1', 0, ['a'], 0), ack('p1', 0, ['b'], 1, 1)], [], [finalPartition(0, recs(0, 'a', 'z'))]));
    expect(report.valid).toBe(false);
    expect(report.lostWrites).toEqual([expect.objectContaining({ partition: 0, value: 'b', process: 'p1', acknowledgedOffset: 1, acks: 1 })]);
    expect(report.inconsistentOffsets).toEqual([
      { partition: 0, offset: 1, observations: [{ value: 'b', seenBy: ['ack p1'] }, { value: 'z', seenBy: ['final'] }] },
    ]);
    // 'z' was never sent by anyone.
    expect(report.unexpectedValues).toEqual([{ partition: 0, offset: 1, value: 'z' }]);
    expect(describeReport(report)).toContain('lost writes: 1');
  });

  it('does not count an unacknowledged value as lost, but notes it when present', () => {
    const report = checkHistory(history([ack('p1', 0, ['a'], 0), unknown('p1', 0, ['b']), unknown('p1', 0, ['c'])], [], [finalPartition(0, recs(0, 'a', 'c'))]));
    expect(report.valid).toBe(true);
    expect(report.stats.unacknowledgedButPresent).toBe(1);
    expect(report.stats.indeterminateSends).toBe(2);
  });

  it('finds two values at one offset across consumers', () => {
    const report = checkHistory(
      history([ack('p1', 0, ['a'], 0), unknown('p2', 0, ['b'])], [poll('c0', 0, recs(0, 'a')), poll('c1', 0, recs(0, 'b'))], [finalPartition(0, recs(0, 'a'))]),
    );
    expect(report.inconsistentOffsets).toHaveLength(1);
    expect(report.inconsistentOffsets[0]!.observations.map((o) => o.value).sort()).toEqual(['a', 'b']);
    // The read of 'b' at offset 0 is a read of data that did not survive.
    expect(report.dirtyReads).toEqual([expect.objectContaining({ partition: 0, offset: 0, value: 'b', process: 'c1', finalValue: 'a' })]);
  });

  it('reports a read past the final high watermark as dirty', () => {
    const report = checkHistory(history([ack('p1', 0, ['a'], 0), unknown('p1', 0, ['b'])], [poll('c0', 0, recs(0, 'a', 'b'))], [finalPartition(0, recs(0, 'a'))]));
    expect(report.dirtyReads).toEqual([expect.objectContaining({ offset: 1, value: 'b' })]);
    expect(report.dirtyReads[0]).not.toHaveProperty('finalValue');
  });

  it('reports one producer acknowledged sends landing out of order', () => {
    // p1 sent a, then b after a was acknowledged; the final log has b first.
    const a = ack('p1', 0, ['a'], 1);
    const b = ack('p1', 0, ['b'], 0);
    const report = checkHistory(history([a, b], [], [finalPartition(0, recs(0, 'b', 'a'))]));
    expect(report.reorderedSends).toEqual([{ partition: 0, process: 'p1', earlier: { value: 'a', offset: 1 }, later: { value: 'b', offset: 0 } }]);
  });

  it('does not treat sends of different producers, or concurrent sends, as ordered', () => {
    const a = ack('p1', 0, ['a'], 1);
    const b = ack('p2', 0, ['b'], 0);
    // p3's two sends overlap in time: either order is fine.
    const c = { ...ack('p3', 0, ['c'], 3), invokeMs: 1000, completeMs: 1100 };
    const d = { ...ack('p3', 0, ['d'], 2), invokeMs: 1050, completeMs: 1060 };
    const report = checkHistory(history([a, b, c, d], [], [finalPartition(0, recs(0, 'b', 'a', 'd', 'c'))]));
    expect(report.reorderedSends).toEqual([]);
    expect(report.valid).toBe(true);
  });

  it('does not order a send against itself when it completes in the millisecond it was invoked', () => {
    const instant = { ...ack('p1', 0, ['a', 'b'], 0), invokeMs: 500, completeMs: 500 };
    const next = { ...ack('p1', 0, ['c'], 2), invokeMs: 500, completeMs: 501 };
    const report = checkHistory(history([instant, next], [], [finalPartition(0, recs(0, 'a', 'b', 'c'))]));
    expect(report.reorderedSends).toEqual([]);
  });

  it('places a retried value at its acknowledged offset, so an early duplicate is no reordering', () => {
    // 'a' was written at 0 by a timed-out attempt, then acknowledged at 2 by its retry; 'b' follows at 3.
    const report = checkHistory(
      history([ack('p1', 0, ['x'], 1), ack('p1', 0, ['a'], 2), ack('p1', 0, ['b'], 3)], [], [finalPartition(0, recs(0, 'a', 'x', 'a', 'b'))]),
    );
    expect(report.reorderedSends).toEqual([]);
    expect(report.duplicates).toEqual([{ partition: 0, value: 'a', offsets: [0, 2] }]);
    expect(report.valid).toBe(true);
  });

  it('reports values of one batch out of order', () => {
    const report = checkHistory(history([ack('p1', 0, ['a', 'b'], 0)], [], [finalPartition(0, recs(0, 'b', 'a'))]));
    expect(report.reorderedSends).toHaveLength(1);
    expect(report.inconsistentOffsets).toHaveLength(2);
  });

  it('reports a replica that differs from the leader below the high watermark', () => {
    const leaderLog = recs(0, 'a', 'b', 'c');
    const report = checkHistory(
      history(
        [ack('p1', 0, ['a', 'b', 'c'], 0)],
        [],
        [finalPartition(0, leaderLog, [replica(1, leaderLog), replica(2, recs(0, 'a', 'q', 'c')), replica(3, recs(0, 'a', 'b'), 2)])],
      ),
    );
    expect(report.divergentReplicas).toEqual([
      { partition: 0, node: 2, leader: 1, highWatermark: 3, problem: { kind: 'diverged', offset: 1, expected: 'b', actual: 'q' } },
      { partition: 0, node: 3, leader: 1, highWatermark: 3, problem: { kind: 'behind', logEndOffset: 2 } },
    ]);
    expect(report.valid).toBe(false);
  });

  it('reports a replica missing a record in the middle of its log as diverged, not behind', () => {
    const leaderLog = recs(0, 'a', 'b', 'c');
    const holed = [{ offset: 0, value: 'a' }, { offset: 2, value: 'c' }];
    const report = checkHistory(history([ack('p1', 0, ['a', 'b', 'c'], 0)], [], [finalPartition(0, leaderLog, [replica(1, leaderLog), replica(2, holed, 3)])]));
    expect(report.divergentReplicas.map((d) => d.problem)).toEqual([{ kind: 'diverged', offset: 1, expected: 'b' }]);
  });

  it('refuses to call a history valid when a written partition has no final state', () => {
    const report = checkHistory(history([ack('p1', 0, ['a'], 0), ack('p1', 1, ['b'], 0)], [], [finalPartition(0, recs(0, 'a'))]));
    expect(report.uncheckedPartitions).toEqual([1]);
    expect(report.lostWrites).toEqual([]);
    expect(report.valid).toBe(false);
  });
});
