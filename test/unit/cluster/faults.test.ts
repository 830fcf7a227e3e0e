import { describe, expect, it } from 'vitest';
import { describeFaultSpec, faultSpecFor, healed, hasFaults, withDelay, withIsolated } from '../../../cluster/faults.js';
import { describeFault, fault, InvalidFaultError, validateFault } from '../../../src/common/faults.js';

const none = { isolated: [], delays: {} };

describe('fault specs', () => {
  it('cuts both directions of an isolation: the node drops everything, each peer drops it', () => {
    const faults = withIsolated(none, 2);
    expect(faultSpecFor(2, faults)).toEqual({ isolate: true, delayMs: 0, peers: [] });
    expect(faultSpecFor(1, faults)).toEqual({ isolate: false, delayMs: 0, peers: [{ nodeId: 2, drop: true, delayMs: 0 }] });
  });

  it('composes isolations and delays, since SetFaults replaces a whole spec', () => {
    const faults = withDelay(withIsolated(withIsolated(none, 3), 2), 1, 50);
    expect(faultSpecFor(1, faults)).toEqual({
      isolate: false,
      delayMs: 50,
      peers: [
        { nodeId: 2, drop: true, delayMs: 0 },
        { nodeId: 3, drop: true, delayMs: 0 },
      ],
    });
    expect(describeFaultSpec(faultSpecFor(1, faults))).toBe('delay 50 ms, drops 2,3');
  });

  it('heals one node or all of them', () => {
    const faults = withDelay(withIsolated(withIsolated(none, 3), 2), 2, 10);
    const one = healed(faults, 2);
    expect(one).toEqual({ isolated: [3], delays: {} });
    expect(faultSpecFor(1, one).peers.map((p) => p.nodeId)).toEqual([3]);
    expect(healed(faults)).toEqual(none);
    expect(hasFaults(healed(faults))).toBe(false);
    expect(describeFaultSpec(faultSpecFor(1, none))).toBe('none');
  });
});

describe('the fault model', () => {
  it('says what, where and how long', () => {
    expect(describeFault(fault.kill(2))).toBe('kill 2');
    expect(describeFault(fault.pause([2, 3], { durationMs: 500 }))).toBe('pause 2,3 for 500 ms');
    expect(describeFault(fault.delay(1, 50))).toBe('delay 1 by 50 ms');
    expect(describeFault(fault.partition([1], [2, 3]))).toBe('partition {1} | {2,3}');
    expect(fault.isolate(3)).toEqual({ kind: 'isolate', nodes: [3] });
  });

  it('refuses malformed faults', () => {
    expect(() => fault.delay(1, -1)).toThrow(InvalidFaultError);
    expect(() => fault.delay(1, 1.5)).toThrow(/whole number/);
    expect(() => fault.kill([])).toThrow(/no node/);
    expect(() => fault.kill(0)).toThrow(/positive integer/);
    expect(() => fault.partition([1, 2], [2, 3])).toThrow(/both sides/);
    expect(() => fault.isolate(1, { durationMs: 0 })).toThrow(/duration/);
    expect(() => validateFault({ kind: 'explode', nodes: [1] } as never)).toThrow(/unknown fault kind/);
  });
});
