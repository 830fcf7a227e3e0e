import { describe, expect, it } from 'vitest';
import { FollowerProgress } from '../../../src/broker/follower-progress.js';

describe('a follower counts as caught up', () => {
  const LAG = 100;

  it('when its fetch reaches the leader log end at that moment', () => {
    const p = new FollowerProgress(2, 0, 10, false);
    p.recordFetch(10, 0, 1, 50, 10);
    expect(p.isCaughtUp(20, 150, LAG)).toBe(true);
    expect(p.isCaughtUp(20, 151, LAG)).toBe(false);
  });

  it('as of its previous fetch when it has since reached what the leader had then', () => {
    const p = new FollowerProgress(2, 0, 0, false);
    p.recordFetch(0, 0, 1, 10, 5); // behind: leader at 5
    p.recordFetch(5, 0, 1, 90, 9); // reached 5, leader now at 9: caught up as of t=10
    expect(p.caughtUpAgoMs(90)).toBe(80);
    expect(p.isCaughtUp(9, 110, LAG)).toBe(true);
    expect(p.isCaughtUp(9, 111, LAG)).toBe(false);
  });

  it('never, if it is not in the ISR and has not fetched', () => {
    const p = new FollowerProgress(3, 0, 10, false);
    expect(p.caughtUpAgoMs(0)).toBeNull();
    expect(p.isCaughtUp(10, 0, LAG)).toBe(false);
  });
});
