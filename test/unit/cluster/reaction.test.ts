import { describe, expect, it } from 'vitest';
import type { ClusterStatus, PartitionView } from '../../../cluster/cluster-status.js';
import { observeDeparture, observeReturn } from '../../../cluster/reaction.js';

function partition(leader: number, isr: number[]): PartitionView {
  return { topic: 'orders', partition: 0, leader, leaderEpoch: 1, replicas: [1, 2, 3], isr, replicaStates: [] };
}

function status(partitions: PartitionView[], activeController?: number, brokerUp = true): ClusterStatus {
  const s: ClusterStatus = {
    takenAtMs: 0,
    partitions,
    nodes: [{ id: 2, roles: ['controller', 'broker'], address: '', pid: 1, process: 'up', reachable: brokerUp, broker: { registered: brokerUp, fenced: false, brokerEpoch: 9, inControlledShutdown: false } }],
  };
  if (activeController !== undefined) s.activeController = activeController;
  return s;
}

/** Serves the given statuses in turn, then repeats the last. */
function script(...statuses: ClusterStatus[]): () => Promise<ClusterStatus> {
  let i = 0;
  return async () => statuses[Math.min(i++, statuses.length - 1)]!;
}

describe('watching the cluster react', () => {
  it('reports the new leader, the shrunk ISR and the new controller after a node leaves', async () => {
    const before = status([partition(2, [1, 2, 3])], 2);
    const source = script(status([partition(2, [1, 2, 3])], 2), status([partition(3, [1, 3])], 1));
    const report = await observeDeparture(source, 2, before, Date.now(), 5000);
    expect(report.complete).toBe(true);
    expect(report.leaderMoves).toMatchObject([{ topic: 'orders', partition: 0, from: 2, to: 3 }]);
    expect(report.leaderMoves[0]!.afterMs).toBeGreaterThanOrEqual(0);
    expect(report.controller).toMatchObject({ from: 2, to: 1 });
    expect(report.isrShrinks).toMatchObject([{ topic: 'orders', partition: 0, isr: [1, 3] }]);
  });

  it('stops at the bound and says what did not happen', async () => {
    const before = status([partition(2, [1, 2, 3])]);
    const report = await observeDeparture(script(before), 2, before, Date.now(), 120);
    expect(report.complete).toBe(false);
    expect(report.leaderMoves[0]!.to).toBe(-1);
    expect(report.waitedMs).toBeGreaterThanOrEqual(120);
  });

  it('counts a partition whose ISR was only the node as offline, not as a move to wait for', async () => {
    const before = status([partition(2, [2])]);
    const report = await observeDeparture(script(before), 2, before, Date.now(), 1000);
    expect(report.complete).toBe(true);
    expect(report.offline).toEqual([{ topic: 'orders', partition: 0 }]);
  });

  it('tracks a follower leaving the ISR', async () => {
    const before = status([partition(1, [1, 2, 3])]);
    const report = await observeDeparture(script(status([partition(1, [1, 3])])), 2, before, Date.now(), 1000);
    expect(report.isrShrinks).toMatchObject([{ isr: [1, 3] }]);
  });

  it('reports a returning node registered and back in the ISR', async () => {
    const source = script(status([partition(1, [1, 3])], 1, false), status([partition(1, [1, 3])], 1), status([partition(1, [1, 3, 2])], 1));
    const report = await observeReturn(source, 2, Date.now(), 5000);
    expect(report.complete).toBe(true);
    expect(report.brokerEpoch).toBe(9);
    expect(report.isrJoins).toMatchObject([{ topic: 'orders', partition: 0 }]);
    expect(report.catchingUp).toEqual([]);
  });
});
