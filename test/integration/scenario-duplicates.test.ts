// The duplicates scenario on real processes: retries after acknowledgements that come too late
// duplicate records without idempotence and not with it; a consumer crash before its commit
// redelivers records, which an idempotent consumer applies once, as its store shows.
// (The verdict's failures: test/unit/scenarios.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type LocalCluster } from '../../cluster/index.js';
import { duplicatesScenario, runScenario } from '../../src/scenarios/index.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

describe.skipIf(!nodeBuilt)(`scenario duplicates (${SKIP_REASON})`, () => {
  let cluster: LocalCluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster(duplicatesScenario.cluster);
  }, 120_000);
  afterAll(() => cluster?.stop(), 60_000);

  it('leaves duplicates in the log only without idempotence, and absorbs redelivery in an idempotent consumer', async () => {
    const lines: string[] = [];
    const result = await runScenario(duplicatesScenario, { scale: 'small', cluster, print: (line = '') => lines.push(line) });
    const report = lines.join('\n');
    const { withoutIdempotence: plain, withIdempotence: idempotent, redelivery } = result;
    expect(plain.retried, report).toBeGreaterThan(0);
    expect(idempotent.retried, report).toBeGreaterThan(0);
    expect(plain.duplicatedValues, report).toBeGreaterThan(0);
    expect(plain.logRecords, report).toBeGreaterThan(plain.sent);
    expect(idempotent.duplicatedValues, report).toBe(0);
    expect(idempotent.logRecords, report).toBe(idempotent.sent);
    expect(idempotent.missing, report).toBe(0);

    expect(redelivery.unique, report).toBe(redelivery.payments);
    expect(redelivery.processed, report).toBeGreaterThan(redelivery.unique);
    expect(redelivery.naiveEffects, report).toBe(redelivery.processed);
    expect(redelivery.idempotentEffects, report).toBe(redelivery.payments);
    // Counted from the idempotent consumer's store: one row per payment id.
    expect(new Set(redelivery.measured.idempotentStore.map((r) => r.paymentId)).size, report).toBe(redelivery.payments);
    expect(result.holds, report).toBe(true);
  }, 110_000);
});
