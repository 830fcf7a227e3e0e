// The decoupling scenario on real processes: every group gets every event, a crashed group resumes
// from its commit and recovers from the log everything it missed, and a late group reads the
// history. (The verdict's failures: test/unit/scenarios.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type LocalCluster } from '../../cluster/index.js';
import { decouplingScenario, runScenario } from '../../src/scenarios/index.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

describe.skipIf(!nodeBuilt)(`scenario decoupling (${SKIP_REASON})`, () => {
  let cluster: LocalCluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster(decouplingScenario.cluster);
  }, 120_000);
  afterAll(() => cluster?.stop(), 60_000);

  it('delivers every event to every group, across a crash and to a late joiner', async () => {
    const lines: string[] = [];
    const result = await runScenario(decouplingScenario, { scale: 'small', cluster, print: (line = '') => lines.push(line) });
    const report = lines.join('\n');
    const group = (name: string) => result.groups.find((g) => g.group === name)!;
    for (const name of ['B', 'C', 'D', 'E']) expect(group(name).received, `${name}\n${report}`).toBe(result.published);
    expect(result.uncommittedAtCrash, report).toBeGreaterThan(0);
    expect(group('D').redelivered, report).toBe(result.uncommittedAtCrash);
    expect(group('E').redelivered, report).toBe(0);
    expect(result.logGrowthWhileDown, report).toBe(result.publishedWhileDown);
    expect(result.dMissed, report).toBeGreaterThanOrEqual(result.publishedWhileDown + result.uncommittedAtCrash);
    expect(result.dRecovered, report).toBe(result.dMissed);
    expect(result.holds, report).toBe(true);
  }, 110_000);
});
