import { describe, expect, it } from 'vitest';
import { mergeClusterStatus } from '../../../cluster/cluster-status.js';
import { isReady, readinessProblems } from '../../../cluster/readiness.js';
import { nodeStatus, sample } from './status-fixtures.js';

const leader = { role: 'leader', term: 1, leader: 1, commit_index: 1, last_index: 1, applied_index: 1, voter: true };

describe('readiness', () => {
  it('is ready with a quorum leader and every broker registered and unfenced', () => {
    const status = mergeClusterStatus([sample(1, nodeStatus(1, { raft: leader })), sample(2, nodeStatus(2)), sample(3, nodeStatus(3))]);
    expect(readinessProblems(status)).toEqual([]);
    expect(isReady(status)).toBe(true);
  });

  it('names each missing condition', () => {
    const unregistered = nodeStatus(2);
    unregistered.broker!.registered = false;
    const fenced = nodeStatus(3);
    fenced.broker!.fenced = true;
    const status = mergeClusterStatus([sample(1, nodeStatus(1)), sample(2, unregistered), sample(3, fenced), sample(4, undefined, 'dead')]);
    expect(readinessProblems(status)).toEqual([
      'node 4 is not running',
      'the controller quorum (nodes 1, 2, 3, 4) has no leader yet',
      'broker 2 is not registered',
      'broker 3 is fenced',
    ]);
    expect(isReady(status)).toBe(false);
  });
});
