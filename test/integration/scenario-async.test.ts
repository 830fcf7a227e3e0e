// The async scenario on real processes: the request that calls every service through its topic
// waits for the work the services measured; the one that publishes and returns answers far sooner,
// and the services do the work after it returned. (The verdict's failures: test/unit/scenarios.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type LocalCluster } from '../../cluster/index.js';
import { asyncScenario, runScenario } from '../../src/scenarios/index.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

describe.skipIf(!nodeBuilt)(`scenario async (${SKIP_REASON})`, () => {
  let cluster: LocalCluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster(asyncScenario.cluster);
  }, 120_000);
  afterAll(() => cluster?.stop(), 60_000);

  it('answers in milliseconds by publishing, while consumers finish the work', async () => {
    const lines: string[] = [];
    const result = await runScenario(asyncScenario, { scale: 'small', cluster, print: (line = '') => lines.push(line) });
    const report = lines.join('\n');
    expect(result.syncLatencyMs, report).toBeGreaterThanOrEqual(800);
    expect(result.asyncLatencyMs, report).toBeLessThan(result.syncLatencyMs / 4);
    expect(result.tasksDone, report).toBe(result.expectedTasks);
    expect(result.checks.map((c) => c.holds), report).toEqual([true, true, true]);
    expect(result.holds, report).toBe(true);
  }, 110_000);
});
