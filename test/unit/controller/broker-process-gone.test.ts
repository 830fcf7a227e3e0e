// A broker whose process is gone is fenced at once, its leaderships moved, without waiting out its
// session; a stale report (an older incarnation, a broker already fenced) changes nothing.
import { describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

describe('a broker process reported gone', () => {
  it('is fenced at once and its partitions get new leaders', () => {
    const h = new Harness();
    h.startBrokers(1, 2, 3);
    h.createTopic({ name: 't', assignments: [[1, 2, 3]] });
    expect(h.partition('t', 0)).toMatchObject({ leader: 1, isr: [1, 2, 3] });
    expect(h.commit(h.controller.brokerProcessGone(1, h.epochs.get(1)!))).toBe(true);
    expect(h.committed.brokers.get(1)!.fenced).toBe(true);
    expect(h.partition('t', 0)).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 1 });
  });

  it('changes nothing for an older incarnation or a broker fenced already', () => {
    const h = new Harness();
    h.startBrokers(1, 2);
    h.createTopic({ name: 't', assignments: [[1, 2]] });
    const old = h.epochs.get(1)!;
    h.register(1, 'restarted');
    h.heartbeat(1);
    const before = h.committed;
    const stale = h.controller.brokerProcessGone(1, old);
    expect(stale.response).toBe(false);
    expect(stale.records).toEqual([]);
    expect(h.commit(h.controller.brokerProcessGone(2, h.epochs.get(2)!))).toBe(true);
    expect(h.controller.brokerProcessGone(2, h.epochs.get(2)!).records).toEqual([]);
    expect(before.brokers.get(1)!.fenced).toBe(false);
  });
});
