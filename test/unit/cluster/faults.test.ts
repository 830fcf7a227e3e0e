import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  describeFaultSpec,
  faultSpecFor,
  healed,
  hasFaults,
  withClientsDelay,
  withClientsIsolated,
  withDelay,
  withIsolated,
  withoutClientsIsolated,
  withoutPartition,
  withPartition,
} from '../../../cluster/faults.js';
import { CorruptStateError, noFaults, RunDir, type FaultState } from '../../../cluster/run-dir.js';
import { describeFault, fault, InvalidFaultError, validateFault } from '../../../src/common/faults.js';

const none: FaultState = noFaults();
const drops = (ids: number[]) => ids.map((nodeId) => ({ nodeId, drop: true, delayMs: 0 }));

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
    expect(one).toEqual({ ...none, isolated: [3] });
    expect(faultSpecFor(1, one).peers.map((p) => p.nodeId)).toEqual([3]);
    expect(healed(faults)).toEqual(none);
    expect(hasFaults(healed(faults))).toBe(false);
    expect(describeFaultSpec(faultSpecFor(1, none))).toBe('none');
  });
});

describe('partitions', () => {
  it('has every node drop the other side, so both directions are cut', () => {
    const faults = withPartition(none, [1], [2, 3]);
    expect(faultSpecFor(1, faults)).toEqual({ isolate: false, delayMs: 0, peers: drops([2, 3]) });
    expect(faultSpecFor(2, faults)).toEqual({ isolate: false, delayMs: 0, peers: drops([1]) });
    expect(faultSpecFor(3, faults)).toEqual({ isolate: false, delayMs: 0, peers: drops([1]) });
    expect(describeFaultSpec(faultSpecFor(1, faults))).toBe('drops 2,3');
  });

  it('leaves nodes on neither side alone and merges overlapping cuts and isolations', () => {
    const faults = withIsolated(withPartition(withPartition(none, [1, 2], [3]), [4], [1]), 2);
    expect(faultSpecFor(1, faults).peers).toEqual(drops([2, 3, 4]));
    expect(faultSpecFor(3, faults).peers).toEqual(drops([1, 2]));
    expect(faultSpecFor(5, faults).peers).toEqual(drops([2]));
    expect(faultSpecFor(2, faults)).toEqual({ isolate: true, delayMs: 0, peers: drops([3]) });
  });

  it('keeps one copy of a partition given twice, either way round, and removes it either way round', () => {
    const once = withPartition(none, [2, 1], [3]);
    expect(once.partitions).toEqual([{ nodes: [1, 2], others: [3] }]);
    expect(withPartition(once, [3], [1, 2])).toBe(once);
    expect(withoutPartition(once, [3], [2, 1]).partitions).toEqual([]);
    expect(withoutPartition(once, [3], [1]).partitions).toEqual(once.partitions);
    expect(hasFaults(once)).toBe(true);
  });

  it('heal N removes every partition N is on, whole; heal all removes them all', () => {
    const faults = withPartition(withPartition(none, [1, 2], [3]), [4], [5]);
    const healedTwo = healed(faults, 2);
    expect(healedTwo.partitions).toEqual([{ nodes: [4], others: [5] }]);
    expect(faultSpecFor(1, healedTwo).peers).toEqual([]);
    expect(faultSpecFor(3, healedTwo).peers).toEqual([]);
    expect(healed(faults, 5).partitions).toEqual([{ nodes: [1, 2], others: [3] }]);
    expect(healed(faults)).toEqual(none);
  });
});

describe('client faults', () => {
  it('reach only the node they name, and leave its peer faults alone', () => {
    const faults = withClientsDelay(withClientsIsolated(withDelay(none, 2, 10), 2), 2, 200);
    expect(faultSpecFor(2, faults)).toEqual({ isolate: false, delayMs: 10, peers: [], clientsIsolate: true, clientsDelayMs: 200 });
    expect(faultSpecFor(1, faults)).toEqual({ isolate: false, delayMs: 0, peers: [] });
    expect(faultSpecFor(1, faults)).not.toHaveProperty('clientsIsolate');
    expect(describeFaultSpec(faultSpecFor(2, faults))).toBe('delay 10 ms, clients isolated, clients delay 200 ms');
    expect(hasFaults(withClientsDelay(none, 3, 5))).toBe(true);
  });

  it('are undone one by one, by heal N and by heal all', () => {
    const faults = withClientsDelay(withClientsIsolated(withClientsIsolated(none, 2), 3), 2, 200);
    expect(withoutClientsIsolated(faults, 2).clientsIsolated).toEqual([3]);
    expect(withClientsDelay(faults, 2, 0).clientsDelays).toEqual({});
    const healedTwo = healed(faults, 2);
    expect(faultSpecFor(2, healedTwo)).toEqual({ isolate: false, delayMs: 0, peers: [] });
    expect(faultSpecFor(3, healedTwo).clientsIsolate).toBe(true);
    expect(healed(faults)).toEqual(none);
  });
});

describe('the saved fault state', () => {
  const stateWith = (faults: unknown): object => ({
    version: 1,
    createdAt: '2024-01-01T00:00:00.000Z',
    profile: 'fast',
    overrides: {},
    nodes: [{ id: 1, roles: ['controller', 'broker'], host: '127.0.0.1', port: 9001, dataDir: '/d', configFile: '/c', logFile: '/l', outFile: '/o', pid: null }],
    ...(faults === undefined ? {} : { faults }),
  });
  const load = (state: object): FaultState => {
    const dir = mkdtempSync(join(tmpdir(), 'brokerlab-faults-'));
    try {
      writeFileSync(join(dir, 'cluster.json'), JSON.stringify(state));
      return new RunDir(dir).readState().faults;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('loads a cluster.json written before partitions and client faults existed, with none in force', () => {
    const faults = load(stateWith({ isolated: [2], delays: { '1': 30 } }));
    expect(faults).toEqual({ ...none, isolated: [2], delays: { '1': 30 } });
    expect(faultSpecFor(1, faults)).toEqual({ isolate: false, delayMs: 30, peers: drops([2]) });
    expect(load(stateWith(undefined))).toEqual(none);
  });

  it('keeps partitions across a write and a read, and refuses malformed ones', () => {
    expect(load(stateWith({ isolated: [], delays: {}, partitions: [{ nodes: [1], others: [2, 3] }] })).partitions).toEqual([{ nodes: [1], others: [2, 3] }]);
    expect(() => load(stateWith({ isolated: [], delays: {}, partitions: [{ nodes: [1] }] }))).toThrow(CorruptStateError);
  });
});

describe('the fault model', () => {
  it('says what, where and how long', () => {
    expect(describeFault(fault.kill(2))).toBe('kill 2');
    expect(describeFault(fault.pause([2, 3], { durationMs: 500 }))).toBe('pause 2,3 for 500 ms');
    expect(describeFault(fault.delay(1, 50))).toBe('delay 1 by 50 ms');
    expect(describeFault(fault.partition([1], [2, 3]))).toBe('partition {1} | {2,3}');
    expect(describeFault(fault.isolate(2, { clients: true }))).toBe('isolate 2 from clients');
    expect(describeFault(fault.delay(1, 200, { clients: true, durationMs: 1000 }))).toBe('delay 1 to clients by 200 ms for 1000 ms');
    expect(fault.delay(1, 5, { clients: false })).toEqual({ kind: 'delay', nodes: [1], ms: 5 });
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
    expect(() => validateFault({ kind: 'kill', nodes: [1], clients: true } as never)).toThrow(/only isolate and delay/);
  });
});
