import { describe, expect, it } from 'vitest';
import { parseDuration, parseDurationRange } from '../../../src/chaos/durations.js';
import { describeStep, generateSchedule, validateSchedule, type ScheduleOptions } from '../../../src/chaos/schedule.js';

const options: ScheduleOptions = {
  seed: 7,
  durationMs: 60_000,
  nemesis: ['kill', 'stop', 'pause', 'isolate', 'delay', 'partition-halves', 'leader', 'controller'],
  intervalMs: [2_000, 6_000],
  faultMs: [1_000, 4_000],
  nodes: [1, 2, 3],
  partitions: 3,
};

describe('chaos schedule', () => {
  it('is drawn from the seed: the same seed gives the same schedule, another seed another', () => {
    expect(generateSchedule(options)).toEqual(generateSchedule(options));
    expect(generateSchedule({ ...options, seed: 8 }).steps).not.toEqual(generateSchedule(options).steps);
  });

  it('strikes one fault at a time, within the run, with gaps from the interval', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const { steps } = generateSchedule({ ...options, seed });
      expect(steps.length).toBeGreaterThan(3);
      let previousEnd = 0;
      for (const step of steps) {
        const gap = step.atMs - previousEnd;
        expect(gap).toBeGreaterThanOrEqual(2_000);
        expect(gap).toBeLessThanOrEqual(6_000);
        expect(step.durationMs).toBeGreaterThanOrEqual(1_000);
        expect(step.durationMs).toBeLessThanOrEqual(4_000);
        previousEnd = step.atMs + step.durationMs;
      }
      expect(previousEnd).toBeLessThanOrEqual(60_000);
    }
  });

  it('splits in halves with the smaller side first and every node on one side', () => {
    const { steps } = generateSchedule({ ...options, nemesis: ['partition-halves'], nodes: [1, 2, 3, 4, 5] });
    for (const step of steps) {
      const [a, b] = (step.target as unknown as { halves: number[][] }).halves;
      expect(a!.length).toBe(2);
      expect([...a!, ...b!].sort()).toEqual([1, 2, 3, 4, 5]);
    }
  });

  it('aims leader and controller faults with the node faults chosen, or kill, pause and isolate when none is', () => {
    const onlyLeader = generateSchedule({ ...options, nemesis: ['leader'] });
    expect(onlyLeader.steps.every((s) => 'leaderOf' in s.target)).toBe(true);
    expect(new Set(onlyLeader.steps.map((s) => s.action))).toEqual(new Set(['kill', 'pause', 'isolate']));
    const pauses = generateSchedule({ ...options, nemesis: ['controller', 'pause'] });
    expect(pauses.steps.every((s) => s.action === 'pause')).toBe(true);
    expect(pauses.steps.some((s) => 'controller' in s.target)).toBe(true);
  });

  it('round-trips through JSON and refuses broken files', () => {
    const schedule = generateSchedule(options);
    expect(validateSchedule(JSON.parse(JSON.stringify(schedule)))).toEqual(schedule);
    expect(() => validateSchedule({ ...schedule, steps: [{ atMs: 0, durationMs: 10, action: 'explode', target: { node: 1 } }] })).toThrow(/unknown action/);
    expect(() => validateSchedule({ ...schedule, steps: [{ atMs: 0, durationMs: 10, action: 'kill', target: { node: 9 } }] })).toThrow(/bad target/);
    expect(() => validateSchedule({ nothing: true })).toThrow(/not a chaos schedule/);
    expect(() => generateSchedule({ ...options, nemesis: ['meteor' as never] })).toThrow(/unknown nemesis/);
  });

  it('describes steps in words', () => {
    expect(describeStep({ atMs: 0, durationMs: 1500, action: 'kill', target: { leaderOf: 1 } })).toBe('kill the leader of partition 1 for 1500 ms');
    expect(describeStep({ atMs: 0, durationMs: 900, action: 'delay', target: { node: 2 }, delayMs: 200 })).toBe('delay node 2 by 200 ms for 900 ms');
    expect(describeStep({ atMs: 0, durationMs: 900, action: 'partition-halves', target: { halves: [[2], [1, 3]] } })).toBe('partition-halves {2} | {1,3} for 900 ms');
  });
});

describe('durations', () => {
  it('parses units and ranges, and refuses nonsense', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('250')).toBe(250);
    expect(parseDurationRange('2s..6s')).toEqual([2_000, 6_000]);
    expect(parseDurationRange('3s')).toEqual([3_000, 3_000]);
    expect(() => parseDuration('soon')).toThrow(/expected a duration/);
    expect(() => parseDurationRange('6s..2s')).toThrow(/ends before/);
  });
});
