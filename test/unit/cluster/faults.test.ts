import { describe, expect, it } from 'vitest';
import { describeFaultSpec, faultSpecFor, healed, hasFaults, withDelay, withIsolated } from '../../../cluster/faults.js';

const none = { isolated: [], delays: {} };

describe('fault specs', () => {
  it('cuts both directions of an isolation: the node drops everything, each peer drops it', () => {
    const faults = withIsolated(none, 2);
    expect(faultSpecFor(2, faults)).toEqual({ isolate: true, delay_ms: 0, peers: [] });
    expect(faultSpecFor(1, faults)).toEqual({ isolate: false, delay_ms: 0, peers: [{ node_id: 2, drop: true, delay_ms: 0 }] });
  });

  it('composes isolations and delays, since SetFaults replaces a whole spec', () => {
    const faults = withDelay(withIsolated(withIsolated(none, 3), 2), 1, 50);
    expect(faultSpecFor(1, faults)).toEqual({
      isolate: false,
      delay_ms: 50,
      peers: [
        { node_id: 2, drop: true, delay_ms: 0 },
        { node_id: 3, drop: true, delay_ms: 0 },
      ],
    });
    expect(describeFaultSpec(faultSpecFor(1, faults))).toBe('delay 50 ms, drops 2,3');
  });

  it('heals one node or all of them', () => {
    const faults = withDelay(withIsolated(withIsolated(none, 3), 2), 2, 10);
    const one = healed(faults, 2);
    expect(one).toEqual({ isolated: [3], delays: {} });
    expect(faultSpecFor(1, one).peers.map((p) => p.node_id)).toEqual([3]);
    expect(healed(faults)).toEqual(none);
    expect(hasFaults(healed(faults))).toBe(false);
    expect(describeFaultSpec(faultSpecFor(1, none))).toBe('none');
  });
});
