import { describe, expect, it } from 'vitest';
import { quantile, unavailability, type SendOp } from '../../../src/check/index.js';

const ok = (partition: number, completeMs: number): SendOp => ({
  process: 'p',
  partition,
  values: [`v${completeMs}`],
  acks: -1,
  invokeMs: completeMs - 1,
  completeMs,
  outcome: 'ok',
  offset: 0,
});

describe('unavailability', () => {
  it('finds the failover gap between acknowledgements and ignores failed sends', () => {
    const sends = [ok(0, 100), ok(0, 200), ok(0, 300), { ...ok(0, 800), outcome: 'info' as const }, ok(0, 1_300), ok(0, 1_400)];
    const [p0] = unavailability(sends, 0, 1_500, 500);
    expect(p0!.acknowledgedSends).toBe(5);
    expect(p0!.maxMs).toBe(1_000);
    expect(p0!.windows).toEqual([{ partition: 0, fromMs: 300, toMs: 1_300, durationMs: 1_000 }]);
    expect(p0!.p50Ms).toBe(100);
  });

  it('counts a partition that never recovered as silent until the end', () => {
    const [p0, p1] = unavailability([ok(0, 100), ok(1, 100), ok(1, 4_900)], 0, 5_000, 1_000);
    expect(p0!.maxMs).toBe(4_900);
    expect(p0!.windows.map((w) => [w.fromMs, w.toMs])).toEqual([[100, 5_000]]);
    expect(p1!.maxMs).toBe(4_800);
  });

  it('lists a partition that was asked for but never acknowledged anything', () => {
    const result = unavailability([], 0, 2_000, 1_000, [3]);
    expect(result).toEqual([{ partition: 3, acknowledgedSends: 0, p50Ms: 2_000, p99Ms: 2_000, maxMs: 2_000, windows: [{ partition: 3, fromMs: 0, toMs: 2_000, durationMs: 2_000 }] }]);
  });

  it('takes nearest-rank quantiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(50);
    expect(quantile(sorted, 0.99)).toBe(99);
    expect(quantile([], 0.5)).toBe(0);
  });
});
