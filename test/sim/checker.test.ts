import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/raft/types.js';
import { SafetyChecker, type DurableLogView } from '../../src/sim/checker.js';
import { SimulationFailure } from '../../src/sim/failure.js';
import { drain, makeCore } from '../unit/raft/single-core.js';

const context = { seed: 99, nodes: 3, now: () => 1234 };

function entry(index: number, term: number, text = `e${index}`): Entry {
  return { index, term, type: 'normal', data: new TextEncoder().encode(text) };
}

function leaderAt(id: number, logTerms: number[], termBefore: number) {
  const core = makeCore({ id, voters: [id], logTerms, hardState: { term: termBefore } });
  core.campaign();
  drain(core);
  return core;
}

function disk(id: number, terms: number[]): DurableLogView {
  return {
    id,
    lastIndex: () => terms.length,
    lastTerm: () => terms[terms.length - 1] ?? 0,
    holds: (index, term) => terms[index - 1] === term,
  };
}

function failureOf(action: () => void): SimulationFailure {
  try {
    action();
  } catch (e) {
    if (e instanceof SimulationFailure) return e;
    throw e;
  }
  throw new Error('expected a SimulationFailure');
}

describe('SafetyChecker', () => {
  it('reports two leaders in one term, with the seed and a replay command', () => {
    const checker = new SafetyChecker(context);
    checker.checkLeader(leaderAt(1, [], 0));
    const failure = failureOf(() => checker.checkLeader(leaderAt(2, [], 0)));
    expect(failure.invariant).toBe('election safety');
    expect(failure.message).toContain('seed=99');
    expect(failure.message).toContain('t=1234ms');
    expect(failure.message).toContain('--seed 99');
  });

  it('reports two nodes applying different entries at one index', () => {
    const checker = new SafetyChecker(context);
    checker.observeApplied(1, 1, entry(1, 1, 'a'));
    checker.observeApplied(2, 1, entry(1, 1, 'a'));
    expect(failureOf(() => checker.observeApplied(3, 2, entry(1, 1, 'b'))).invariant).toBe('state machine safety');
  });

  it('reports a new leader of a later term missing a committed entry', () => {
    const checker = new SafetyChecker(context);
    checker.observeApplied(1, 1, entry(1, 1, 'x'));
    // Node 2 holds index 1 from another term and leads term 3.
    const stale = leaderAt(2, [2], 2);
    expect(failureOf(() => checker.checkLeader(stale)).invariant).toBe('leader completeness');
  });

  it('does not blame a stale leader of an older term than the commit', () => {
    const checker = new SafetyChecker(context);
    checker.observeApplied(1, 5, entry(1, 5, 'x'));
    expect(() => checker.checkLeader(leaderAt(2, [], 1))).not.toThrow();
  });

  it('reports a committed entry that a node lacking it could still be elected over', () => {
    const checker = new SafetyChecker(context);
    checker.observeApplied(1, 4, entry(1, 1));
    checker.observeApplied(1, 4, entry(2, 2));
    // Figure 8: index 2 of term 2 on nodes 1-3, but node 5's last entry has term 3.
    const committedOnThree = [disk(1, [1, 2]), disk(2, [1, 2]), disk(3, [1, 2]), disk(4, [1]), disk(5, [1, 3])];
    const failure = failureOf(() => checker.checkCommittedDurable(committedOnThree));
    expect(failure.invariant).toBe('leader completeness');
    expect(failure.detail).toContain("node 5's disk");
    // With the leader's term-4 entry after it on a majority, node 5 cannot win: nothing to report.
    const safe = [disk(1, [1, 2, 4]), disk(2, [1, 2, 4]), disk(3, [1, 2, 4]), disk(4, [1]), disk(5, [1, 3])];
    expect(() => checker.checkCommittedDurable(safe)).not.toThrow();
  });

  it('reports a gap in the committed history', () => {
    const checker = new SafetyChecker(context);
    expect(failureOf(() => checker.observeApplied(1, 1, entry(2, 1))).invariant).toBe('log matching');
  });

  it('reports a restored snapshot whose state is not the committed prefix', () => {
    const checker = new SafetyChecker(context);
    checker.observeApplied(1, 1, entry(1, 1));
    expect(failureOf(() => checker.observeRestore(2, { index: 1, hash: 12345, appliedPayloads: 1 })).invariant).toBe('state machine safety');
  });
});
