import { describe, expect, it } from 'vitest';
import { replayClusterSeed, runScenario, safetyFailure } from '../../src/sim/cluster/index.js';

describe('cluster simulation replay', () => {
  it('replays a seed identically: same history, same final logs, same digest', async () => {
    const first = await runScenario('acks-all', 7);
    const again = await replayClusterSeed(7);
    expect(again.digest).toBe(first.digest);
    expect(again.events).toBe(first.events);
    expect(again.history).toEqual(first.history);
    expect(first.report.stats.acknowledgedSends).toBeGreaterThan(0);
  }, 60_000);

  it('gives different seeds different runs', async () => {
    const [a, b] = [await runScenario('acks-all', 11), await runScenario('acks-all', 12)];
    expect(a.digest).not.toBe(b.digest);
  }, 60_000);

  it('names the seed and the replay command when a run fails', async () => {
    // acks=1 loses writes on many seeds, not all: take the first that does (which one depends on
    // the exact timing of the run, so a change anywhere in the cluster may move it).
    let seed = 1;
    let result = await runScenario('acks-1', seed);
    while (result.report.lostWrites.length === 0 && seed < 20) result = await runScenario('acks-1', ++seed);
    const message = safetyFailure(result, 'acks-1');
    expect(result.report.lostWrites.length).toBeGreaterThan(0);
    expect(message).toContain(`seed=${seed} failed`);
    expect(message).toContain(`--scenario acks-1 --seed ${seed}`);
    expect(message).toContain('lost writes:');
  }, 60_000);
});
