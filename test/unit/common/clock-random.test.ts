import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { SeededRandom } from '../../../src/common/random.js';

describe('ManualClock', () => {
  it('runs scheduled callbacks in time order, ties in schedule order, only when advanced', () => {
    const clock = new ManualClock(1000);
    const seen: string[] = [];
    clock.schedule(20, () => seen.push('b'));
    clock.schedule(10, () => seen.push('a'));
    clock.schedule(20, () => seen.push('c'));
    const cancelled = clock.schedule(15, () => seen.push('x'));
    cancelled.cancel();
    clock.advance(9);
    expect(seen).toEqual([]);
    clock.advance(11);
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(1020);
    expect(clock.pendingCount()).toBe(0);
  });

  it('runs callbacks scheduled by callbacks when they fall due', () => {
    const clock = new ManualClock();
    const at: number[] = [];
    clock.schedule(5, () => clock.schedule(5, () => at.push(clock.now())));
    clock.advance(100);
    expect(at).toEqual([10]);
  });
});

describe('SeededRandom', () => {
  it('replays the same sequence from the same seed and differs across seeds', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const seqA = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(seqA);
  });

  it('draws integers within bounds, covering all of them', () => {
    const r = new SeededRandom(7);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const v = r.int(3, 9);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(9);
      seen.add(v);
    }
    expect(seen.size).toBe(7);
  });
});
