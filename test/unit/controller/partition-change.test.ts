import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/common/random.js';
import { buildPartitionChange, isrWithout } from '../../../src/controller/partition-change.js';
import { placeReplicas } from '../../../src/controller/placement.js';
import { NO_LEADER, type PartitionRegistration } from '../../../src/metadata/types.js';

const base: PartitionRegistration = {
  topicId: 'tid',
  topic: 't',
  partition: 0,
  replicas: [1, 2, 3],
  isr: [1, 2, 3],
  leader: 1,
  leaderEpoch: 4,
  partitionEpoch: 9,
};

const alive =
  (...ids: number[]) =>
  (b: number): boolean =>
    ids.includes(b);

describe('partition change rules', () => {
  it('change nothing when the leader is valid and the ISR stays', () => {
    expect(buildPartitionChange(base, alive(1, 2, 3))).toBeUndefined();
    expect(buildPartitionChange(base, alive(1, 2, 3), { isr: [1, 2, 3] })).toBeUndefined();
  });

  it('elect the first valid ISR member in assignment order when the leader goes', () => {
    const p = { ...base, replicas: [1, 3, 2], isr: [2, 3, 1] };
    expect(buildPartitionChange(p, alive(2, 3), { isr: isrWithout(p.isr, 1) })).toEqual({
      type: 'PartitionChange',
      topicId: 'tid',
      partition: 0,
      leader: 3,
      isr: [2, 3],
    });
  });

  it('skip ISR members that may not lead', () => {
    expect(buildPartitionChange(base, alive(3), { isr: [2, 3] })).toMatchObject({ leader: 3, isr: [2, 3] });
  });

  it('keep the last ISR member and leave the partition leaderless', () => {
    const p = { ...base, isr: [1] };
    expect(buildPartitionChange(p, alive(2, 3), { isr: isrWithout(p.isr, 1) })).toEqual({
      type: 'PartitionChange',
      topicId: 'tid',
      partition: 0,
      leader: NO_LEADER,
    });
  });

  it('elect an out-of-sync replica and shrink the ISR to it only when unclean election is allowed', () => {
    const p = { ...base, isr: [1], leader: NO_LEADER };
    expect(buildPartitionChange(p, alive(3))).toBeUndefined();
    expect(buildPartitionChange(p, alive(3), { uncleanAllowed: true })).toMatchObject({ leader: 3, isr: [3] });
  });

  it('prefer the first replica in a preferred election when it is valid', () => {
    const p = { ...base, leader: 2 };
    expect(buildPartitionChange(p, alive(1, 2, 3), { election: 'preferred' })).toEqual({
      type: 'PartitionChange',
      topicId: 'tid',
      partition: 0,
      leader: 1,
    });
    expect(buildPartitionChange(p, alive(2, 3), { election: 'preferred' })).toBeUndefined();
    expect(buildPartitionChange({ ...p, isr: [2, 3] }, alive(1, 2, 3), { election: 'preferred' })).toBeUndefined();
  });

  it('bring a leaderless partition back with a returning ISR member', () => {
    const p = { ...base, isr: [2], leader: NO_LEADER };
    expect(buildPartitionChange(p, alive(2))).toMatchObject({ leader: 2 });
    expect(buildPartitionChange(p, alive(2))!.isr).toBeUndefined();
  });
});

describe('replica placement', () => {
  it('gives each broker the same share of leaders and replicas over a full round', () => {
    for (let seed = 0; seed < 20; seed++) {
      const placement = placeReplicas([5, 1, 3], 6, 3, new SeededRandom(seed));
      for (const b of [1, 3, 5]) {
        expect(placement.filter((r) => r[0] === b)).toHaveLength(2);
        expect(placement.filter((r) => r.includes(b))).toHaveLength(6);
      }
      for (const r of placement) expect(new Set(r).size).toBe(3);
    }
  });

  it('places a single replica per partition on a single broker', () => {
    expect(placeReplicas([7], 3, 1, new SeededRandom(1))).toEqual([[7], [7], [7]]);
  });

  it('refuses more replicas than brokers', () => {
    expect(() => placeReplicas([1, 2], 1, 3, new SeededRandom(1))).toThrow(/cannot place/);
  });
});
