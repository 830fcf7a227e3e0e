// The async scenario on real processes: the request that calls every service waits for the sum of
// their work; the one that publishes and returns answers far sooner, and the consumers do the work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type LocalCluster } from '../../cluster/index.js';
import { asyncScenario, runScenario } from '../../src/scenarios/index.js';
import { nodeBuilt, SKIP_REASON } from './cluster-helpers.js';

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
    expect(result.holds, report).toBe(true);
  }, 110_000);
});
