import { describe, expect, it } from 'vitest';
import { runSeeds } from '../../src/sim/cluster/index.js';

// acks=1 with min.insync.replicas 1 while leaders get killed: a leader acknowledges a write before
// any follower copied it, a follower takes over without it, and the old leader truncates it when
// it returns. The checker must see those lost writes; what consumers read was committed, so it
// must survive, and the replicas must still agree once the cluster is quiet.
describe('cluster simulation, acks=1 under leader kills', () => {
  it('reports lost acknowledged writes, and nothing that acks=1 does not explain', async () => {
    const { results } = await runSeeds('acks-1', 1, 8);
    const lossy = results.filter((r) => r.report.lostWrites.length > 0);
    expect(lossy.length, 'no seed lost an acknowledged write').toBeGreaterThan(0);
    for (const r of lossy) {
      // Every lost value was acknowledged with acks=1, and its offset later held another value.
      expect(r.report.lostWrites.every((l) => l.acks === 1)).toBe(true);
      expect(r.report.inconsistentOffsets.length).toBeGreaterThan(0);
    }
    for (const r of results) {
      expect(r.report.dirtyReads, `seed=${r.seed}`).toEqual([]);
      expect(r.report.divergentReplicas, `seed=${r.seed}`).toEqual([]);
      expect(r.report.unexpectedValues, `seed=${r.seed}`).toEqual([]);
      expect(r.liveness, `seed=${r.seed}`).toEqual([]);
    }
  }, 120_000);
});
