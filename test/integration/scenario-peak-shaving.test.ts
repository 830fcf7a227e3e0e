// The peak-shaving scenario on real processes: a burst above the consumer's capacity is acknowledged
// promptly and in full, becomes lag (read from the log) that grows and drains to zero, and the
// store ends up with every message once. (The verdict's failures: test/unit/scenarios.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type LocalCluster } from '../../cluster/index.js';
import { peakShavingScenario, runScenario } from '../../src/scenarios/index.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

describe.skipIf(!nodeBuilt)(`scenario peak-shaving (${SKIP_REASON})`, () => {
  let cluster: LocalCluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster(peakShavingScenario.cluster);
  }, 120_000);
  afterAll(() => cluster?.stop(), 60_000);

  it('takes a burst without refusing or slowing producers, as lag that drains, storing everything once', async () => {
    const lines: string[] = [];
    const result = await runScenario(peakShavingScenario, { scale: 'small', cluster, print: (line = '') => lines.push(line) });
    const report = lines.join('\n');
    expect(result.peakStoreRate, report).toBeLessThanOrEqual(2_000);
    expect(result.peakProduceRate, report).toBeGreaterThan(2_000);
    expect(result.maxLag, report).toBeGreaterThan(1_000);
    expect(result.finalLag, report).toBe(0);
    expect(result.failedBatches, report).toBe(0);
    expect(result.slowestAckMs, report).toBeLessThanOrEqual(2_000);
    expect(result.storedOnce, report).toBe(result.messages);
    expect([result.duplicates, result.missing], report).toEqual([0, 0]);
    expect(result.holds, report).toBe(true);
    expect(report).toMatch(/^ *time │ produced\/s +│ stored\/s +│ lag \(messages\)/m);
  }, 110_000);
});
