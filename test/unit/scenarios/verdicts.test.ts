// The scenarios' verdicts, fed measurements without a cluster: each accepts a good run and fails a
// broken one (a record applied twice, a producer slowed, a send during the fault not acknowledged,
// a synchronous request that never reached the services...), so no verdict is true by construction.
import { describe, expect, it } from 'vitest';
import { verdict } from '../../../src/scenarios/scenario.js';
import {
  classifyElection,
  judgeAsync,
  judgeDecoupling,
  judgeDuplicates,
  judgeLoss,
  judgeOrdering,
  judgePeakShaving,
  type AsyncMeasurements,
  type ChargeRow,
  type DecouplingMeasurements,
  type ElectionObservation,
  type LossFigures,
  type OrderingMeasurements,
  type PeakShavingMeasurements,
  type RedeliveryMeasurements,
  type RetryFigures,
} from '../../../src/scenarios/verdicts.js';
import type { CheckedClaim } from '../../../src/scenarios/scenario.js';

/** The claims that failed, by their text. */
const failed = (checks: readonly CheckedClaim[]) => checks.filter((c) => !c.holds).map((c) => c.claim);

describe('async verdict', () => {
  const good: AsyncMeasurements = {
    services: 3,
    sync: [0, 1, 2].map(() => ({ latencyMs: 830, tasksDone: 3, serviceWorkMs: 801 })),
    async: [0, 1, 2].map((i) => ({ latencyMs: 18, returnedAtMs: 1_000 + i * 20, tasksFinishedAtMs: [1_300, 1_400, 1_500] })),
  };

  it('holds when the synchronous request waited for the services and the asynchronous one did not', () => {
    const judged = judgeAsync(good);
    expect(failed(judged.checks)).toEqual([]);
    expect(judged.tasksDone).toBe(9);
  });

  it('fails a synchronous path that never reached the services (it only slept)', () => {
    const broken = { ...good, sync: good.sync.map((r) => ({ latencyMs: r.latencyMs, tasksDone: 0, serviceWorkMs: 0 })) };
    expect(failed(judgeAsync(broken).checks)).toEqual([expect.stringMatching(/^each synchronous request waited for all 3 services \(0 of 3 did/)]);
  });

  it('fails when the asynchronous request was not much faster than the synchronous one', () => {
    const broken = { ...good, async: good.async.map((r) => ({ ...r, latencyMs: 400 })) };
    expect(failed(judgeAsync(broken).checks)).toEqual([expect.stringMatching(/^the asynchronous request answered in a fraction/)]);
  });

  it('fails when a task was lost, or done before the request returned', () => {
    const lost = { ...good, async: [{ ...good.async[0]!, tasksFinishedAtMs: [1_300, 1_400] }, ...good.async.slice(1)] };
    expect(failed(judgeAsync(lost).checks)).toEqual([expect.stringMatching(/^the services did every asynchronous task after the request had returned \(8 of 9\)/)]);
    const early = { ...good, async: [{ ...good.async[0]!, tasksFinishedAtMs: [900, 1_400, 1_500] }, ...good.async.slice(1)] };
    expect(verdict(judgeAsync(early).checks).holds).toBe(false);
  });
});

describe('peak-shaving verdict', () => {
  const sentValues = Array.from({ length: 10_000 }, (_, i) => `order-${i}`);
  // 100 batches of 100, every 20 ms over 2 s, each acknowledged 15 ms later.
  const batches = Array.from({ length: 100 }, (_, i) => ({ count: 100, sentAtMs: i * 20, ackedAtMs: i * 20 + 15 }));
  const good: PeakShavingMeasurements = {
    capacityPerSecond: 2_000,
    batches,
    lagSamples: [
      { atMs: 500, lag: 1_500 },
      { atMs: 2_000, lag: 6_000 },
      { atMs: 4_000, lag: 2_000 },
      { atMs: 5_100, lag: 0 },
    ],
    sentValues,
    stored: new Map(sentValues.map((v) => [v, 1])),
  };

  it('holds for a burst acknowledged promptly, lag that rose and drained, everything stored once', () => {
    expect(failed(judgePeakShaving(good).checks)).toEqual([]);
  });

  it("fails when the producers were held to the consumer's pace", () => {
    // From the middle of the burst on, each acknowledgement waits as if for the consumer: the last comes after 7 s.
    const slowed = { ...good, batches: batches.map((b, i) => (i >= 50 ? { ...b, ackedAtMs: b.sentAtMs + 5_000 } : b)) };
    expect(failed(judgePeakShaving(slowed).checks)).toEqual([
      expect.stringMatching(/^the producers were never refused or held to the consumer's pace .*acknowledged within 6980 ms, while the consumer needs 5000 ms/),
    ]);
  });

  it('fails when a producer was refused', () => {
    const refused = { ...good, batches: batches.map((b, i) => (i === 3 ? { count: b.count, sentAtMs: b.sentAtMs, error: 'NOT_ENOUGH_REPLICAS' } : b)) };
    expect(failed(judgePeakShaving(refused).checks)).toEqual([expect.stringMatching(/99 of 100 batches acknowledged, first failure: NOT_ENOUGH_REPLICAS/)]);
  });

  it('fails when the lag never drained, or never rose', () => {
    const stuck = { ...good, lagSamples: [...good.lagSamples.slice(0, 3), { atMs: 5_100, lag: 300 }] };
    expect(failed(judgePeakShaving(stuck).checks)).toEqual([expect.stringMatching(/^the lag read from the log rose .* and drained to 0 afterwards \(300\)/)]);
    const flat = { ...good, lagSamples: good.lagSamples.map((s) => ({ ...s, lag: 0 })) };
    expect(verdict(judgePeakShaving(flat).checks).holds).toBe(false);
  });

  it('fails when the store holds a message twice or misses one', () => {
    const twice = { ...good, stored: new Map([...good.stored, ['order-7', 2]]) };
    expect(failed(judgePeakShaving(twice).checks)).toEqual([expect.stringMatching(/9999 of 10000; 1 more than once, 0 missing/)]);
    const missing = new Map(good.stored);
    missing.delete('order-8');
    expect(verdict(judgePeakShaving({ ...good, stored: missing }).checks).holds).toBe(false);
  });
});

describe('duplicates verdict', () => {
  const plain: RetryFigures = { idempotent: false, sent: 60, retried: 20, duplicatedValues: 12, missing: 0 };
  const idempotent: RetryFigures = { idempotent: true, sent: 60, retried: 20, duplicatedValues: 0, missing: 0 };
  const payments = ['payment-0', 'payment-1', 'payment-2', 'payment-3'];
  const row = (i: number): ChargeRow => ({ paymentId: `payment-${i}`, partition: 0, offset: i });
  // Records 0-3 delivered; consumer 1 crashed before committing 2 and 3, so they came again.
  const deliveries = [0, 1, 2, 3, 2, 3].map(row);
  const good: RedeliveryMeasurements = { payments, deliveries, naiveStore: deliveries, idempotentStore: [0, 1, 2, 3].map(row) };

  it('holds when the idempotent store has each payment once and the naive store some twice', () => {
    expect(failed(judgeDuplicates(plain, idempotent, good))).toEqual([]);
  });

  it('fails when the idempotent consumer applied a payment twice', () => {
    const broken = { ...good, idempotentStore: [...good.idempotentStore, row(2)] };
    expect(failed(judgeDuplicates(plain, idempotent, broken))).toEqual([
      expect.stringMatching(/^the idempotent consumer's store holds each payment once \(3 of 4; 1 more than once, 0 missing\)/),
    ]);
  });

  it('fails when the idempotent consumer missed a payment, or nothing was redelivered', () => {
    const missed = { ...good, idempotentStore: [0, 1, 2].map(row) };
    expect(verdict(judgeDuplicates(plain, idempotent, missed)).holds).toBe(false);
    const noCrash = { ...good, deliveries: [0, 1, 2, 3].map(row), naiveStore: [0, 1, 2, 3].map(row) };
    expect(failed(judgeDuplicates(plain, idempotent, noCrash))).toHaveLength(2);
  });

  it('fails when the idempotent producer left a duplicate in the log', () => {
    expect(failed(judgeDuplicates(plain, { ...idempotent, duplicatedValues: 1 }, good))).toEqual([expect.stringMatching(/^with idempotence, no duplicates \(1\)/)]);
  });
});

describe('decoupling verdict', () => {
  const first = ['f-0', 'f-1', 'f-2'];
  const second = ['s-0', 's-1', 's-2'];
  const third = ['t-0', 't-1', 't-2'];
  const published = [...first, ...second, ...third];
  const all = new Set(published);
  const good: DecouplingMeasurements = {
    published,
    log: published,
    b: all,
    c: all,
    e: all,
    whileDown: { acknowledged: 3, logGrowth: 3 },
    // D processed s-0 and s-1 and crashed before committing; its commit stayed after the first batch.
    dUncommitted: ['s-0', 's-1'],
    dOwed: [...second, ...third],
    dAfterRestart: [...second, ...third],
  };

  it('holds when D recovered everything past its commit, and every group has every event', () => {
    const judged = judgeDecoupling(good);
    expect(failed(judged.checks)).toEqual([]);
    expect(judged).toMatchObject({ dMissed: 6, dRecovered: 6, dRedelivered: 2 });
  });

  it('fails when D did not recover an event it missed while down', () => {
    const broken = { ...good, dAfterRestart: [...second, 't-0', 't-2'] };
    expect(failed(judgeDecoupling(broken).checks)).toEqual([expect.stringMatching(/^D had missed 6 events .* recovered all of them \(5; 0 read from before its commit\)/)]);
  });

  it('fails when D restarted before its commit, or the log did not grow while it was down', () => {
    const rewound = { ...good, dAfterRestart: [...first, ...second, ...third] };
    expect(failed(judgeDecoupling(rewound).checks)).toEqual([expect.stringMatching(/3 read from before its commit/)]);
    const nothingWhileDown = { ...good, whileDown: { acknowledged: 3, logGrowth: 0 } };
    expect(verdict(judgeDecoupling(nothingWhileDown).checks).holds).toBe(false);
  });

  it('fails when a group missed an event', () => {
    const partial = new Set(published.slice(1));
    expect(failed(judgeDecoupling({ ...good, c: partial }).checks)).toEqual([expect.stringMatching(/^B and C each received all 9 events \(9 and 8\)/)]);
    expect(failed(judgeDecoupling({ ...good, e: partial }).checks)).toEqual([expect.stringMatching(/^E, joining late, read the whole log \(8 of 9/)]);
  });
});

describe('loss verdict', () => {
  const election = (isrBefore: number[] | undefined, newLeader: number): ElectionObservation => ({
    leaderBefore: 2,
    epochBefore: 1,
    isrBefore,
    newLeader,
    epochAfter: 2,
    uncleanAllowed: true,
  });
  const acksOne: LossFigures = { acks: 1, sentDuringFault: 10, acknowledgedDuringFault: 10, failuresDuringFault: [], acknowledged: 15, lost: 8, election: election([2, 3, 4], 3) };
  const acksAll: LossFigures = { acks: 'all', sentDuringFault: 10, acknowledgedDuringFault: 10, failuresDuringFault: [], acknowledged: 15, lost: 0, election: election([2, 3, 4], 4) };

  it('holds when acks=1 lost writes and acks=all acknowledged every send of the fault and lost none', () => {
    expect(failed(judgeLoss(acksOne, acksAll))).toEqual([]);
  });

  it('fails when a send during the fault was not acknowledged, even with nothing lost', () => {
    const refused = { ...acksAll, acknowledged: 5, acknowledgedDuringFault: 0, failuresDuringFault: ['loss-during-0: NOT_ENOUGH_REPLICAS'] };
    expect(failed(judgeLoss(acksOne, refused))).toEqual([
      expect.stringMatching(/^acks=all acknowledged every send made during the fault \(0 of 10; not acknowledged: loss-during-0: NOT_ENOUGH_REPLICAS\)/),
    ]);
  });

  it('fails when acks=all lost a write, or acks=1 lost none, or no new leader was elected', () => {
    expect(failed(judgeLoss(acksOne, { ...acksAll, lost: 1 }))).toHaveLength(1);
    expect(failed(judgeLoss({ ...acksOne, lost: 0 }, acksAll))).toHaveLength(1);
    expect(failed(judgeLoss(acksOne, { ...acksAll, election: { ...acksAll.election, newLeader: 2, epochAfter: 1 } }))).toEqual([expect.stringMatching(/^a new leader was elected both times/)]);
  });

  it('calls an election unclean only when the new leader was outside the ISR the cluster showed', () => {
    expect(classifyElection(election([2, 3, 4], 3))).toBe('clean');
    expect(classifyElection(election([2], 3))).toBe('unclean');
    expect(classifyElection(election(undefined, 3))).toBe('unknown');
    expect(classifyElection(election([2, 3], -1))).toBe('unknown');
  });

  it("takes the controller's election event over the ISR the status happened to show", () => {
    // The status polled a moment too early or too late: the controller's own account decides.
    expect(classifyElection({ ...election([2], 3), reportedByController: 'clean' })).toBe('clean');
    expect(classifyElection({ ...election([2, 3], 3), reportedByController: 'unclean' })).toBe('unclean');
    expect(classifyElection({ ...election(undefined, 3), reportedByController: 'unclean' })).toBe('unclean');
  });
});

describe('ordering verdict', () => {
  const report = (violations: number) => ({ events: 300, violations, duplicates: 0 });
  const good: OrderingMeasurements = {
    keyed: { ...report(0), sent: 300, acknowledged: 300, missing: 0 },
    keyless: report(40),
    sharedPool: report(25),
    workerPerPartition: report(0),
    workerPerKey: report(0),
  };

  it('holds for the expected pattern', () => {
    expect(failed(judgeOrdering(good))).toEqual([]);
  });

  it('fails when a worker per key finished a key out of order, or the shared pool kept order', () => {
    expect(failed(judgeOrdering({ ...good, workerPerKey: report(1) }))).toEqual([expect.stringMatching(/one worker per key kept per-key order \(0 and 1 violations\)/)]);
    expect(failed(judgeOrdering({ ...good, sharedPool: report(0) }))).toEqual([expect.stringMatching(/^in the worker-pool model, a shared pool finished records out of order/)]);
  });

  it('fails when the failover reordered, duplicated or lost a keyed event', () => {
    for (const broken of [{ violations: 1 }, { duplicates: 1 }, { missing: 1 }]) {
      expect(verdict(judgeOrdering({ ...good, keyed: { ...good.keyed, ...broken } })).holds).toBe(false);
    }
  });
});
