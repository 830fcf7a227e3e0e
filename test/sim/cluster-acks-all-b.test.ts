import { describe, expect, it } from 'vitest';
import { runSeeds } from '../../src/sim/cluster/index.js';

// acks=all, RF 3, min.insync.replicas 2 under kills, power losses, pauses, partitions, slow and
// lossy links: nothing acknowledged is lost or reordered, nobody reads what later vanishes,
// replicas agree up to the high watermark, and once quiet every partition takes a write in bounded
// time. The other half of the seeds is in cluster-acks-all-a, so two workers share them.
describe('cluster simulation, acks=all (seeds 101-200)', () => {
  it('keeps every acknowledged write and stays live', async () => {
    const { results, failures } = await runSeeds('acks-all', 101, 100);
    expect(failures, failures.join('\n\n')).toEqual([]);
    // The runs did what they claim: writes were acknowledged, faults struck, and crashed nodes came back.
    const acknowledged = results.reduce((n, r) => n + r.report.stats.acknowledgedSends, 0);
    const crashes = results.reduce((n, r) => n + r.faults.kills + r.faults.powerLosses, 0);
    expect(acknowledged).toBeGreaterThan(100 * 10);
    expect(crashes).toBeGreaterThan(50);
    expect(results.filter((r) => r.faults.powerLosses > 0).length).toBeGreaterThan(10);
    expect(new Set(results.map((r) => r.topology)).size).toBe(3);
  }, 180_000);
});
