import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/common/random.js';
import { FaultInjector, type FaultableNode, type NodeStatus } from '../../src/sim/fault-injector.js';
import { describeFault, fromCommonFault, MIXED_FAULTS, RAFT_FAULTS, planFaults, toCommonFault, type Fault } from '../../src/sim/nemesis.js';
import { fault as common } from '../../src/common/faults.js';
import { CALM_NETWORK, SimNetwork } from '../../src/sim/network.js';
import { SimLoop } from '../../src/sim/sim-loop.js';

class FakeNode implements FaultableNode {
  state: NodeStatus = 'up';
  armed: (() => boolean) | undefined;
  readonly log: string[] = [];
  constructor(readonly id: number) {}
  status(): NodeStatus {
    return this.state;
  }
  crash(kind: 'kill' | 'power-loss'): void {
    this.state = 'crashed';
    this.log.push(kind);
  }
  armPowerLossAfterWrite(strike: () => boolean): void {
    this.armed = strike;
  }
  /** The node's next write became durable. */
  write(): void {
    const strike = this.armed;
    this.armed = undefined;
    if (strike?.()) this.crash('power-loss');
  }
  start(): void {
    this.state = 'up';
    this.log.push('start');
  }
  pause(): void {
    this.state = 'paused';
  }
  resume(): void {
    this.state = 'up';
  }
}

function setup(leader: number | undefined) {
  const loop = new SimLoop();
  const nodes = new Map([1, 2, 3].map((id) => [id, new FakeNode(id)]));
  const network = new SimNetwork(new SeededRandom(1), loop, () => false);
  const scheduled: Fault[] = [];
  const injector = new FaultInjector({
    nodes,
    network,
    random: new SeededRandom(2),
    calm: CALM_NETWORK,
    resolveLeader: () => leader,
    scheduleFault: (_delayMs, fault) => scheduled.push(fault),
    onStartFailure: (error) => {
      throw error;
    },
  });
  return { nodes, network, injector, scheduled };
}

describe('the fault injector both simulations use', () => {
  it('hits the current leader, arms faults for the next one, and restarts the oldest crash first', () => {
    const { nodes, injector, scheduled } = setup(2);
    expect(injector.apply({ kind: 'crash', node: 'leader', crash: 'kill' })).toBe('kill 2');
    expect(injector.apply({ kind: 'crash', node: 'next-leader', crash: 'power-loss' })).toBeUndefined();
    expect(scheduled).toEqual([]);
    injector.leaderElected(3, 5);
    expect(scheduled).toEqual([{ kind: 'crash', node: 3, crash: 'power-loss' }]);
    // An older term's leader does not set it off again.
    injector.leaderElected(1, 4);
    expect(scheduled).toHaveLength(1);
    injector.apply(scheduled[0]!);
    expect(injector.apply({ kind: 'restart' })).toBe('restart 2');
    expect(nodes.get(2)!.state).toBe('up');
    expect(nodes.get(3)!.state).toBe('crashed');
    expect(injector.counts).toMatchObject({ kills: 1, powerLosses: 1 });
  });

  it('strikes an armed power loss at the next durable write, and the quiet period voids what is still armed', () => {
    const { nodes, network, injector } = setup(1);
    injector.apply({ kind: 'crash', node: 1, crash: 'power-loss-after-write' });
    expect(nodes.get(1)!.state).toBe('up');
    nodes.get(1)!.write();
    expect(nodes.get(1)!.state).toBe('crashed');
    expect(injector.counts.powerLossesAfterWrite).toBe(1);

    injector.apply({ kind: 'crash', node: 2, crash: 'power-loss-after-write' });
    injector.apply({ kind: 'partition', groups: [[1], [2, 3]] });
    injector.apply({ kind: 'quiet' });
    nodes.get(2)!.write();
    expect(nodes.get(2)!.state).toBe('up');
    expect(nodes.get(1)!.state).toBe('up');
    expect(network.cutLinks()).toBe(0);
    expect(injector.apply({ kind: 'crash', node: 3, crash: 'kill' })).toBeUndefined();
    expect(nodes.get(3)!.state).toBe('up');
  });

  it('plans faults from either profile, ending with the quiet period', () => {
    for (const profile of [RAFT_FAULTS, MIXED_FAULTS]) {
      const plan = planFaults(new SeededRandom(9), profile, [1, 2, 3], 2000);
      expect(plan[0]!.fault.kind).toBe('network');
      expect(plan.at(-1)).toEqual({ atMs: 2000, fault: { kind: 'quiet' } });
      expect(plan.map((f) => f.atMs)).toEqual([...plan.map((f) => f.atMs)].sort((a, b) => a - b));
      expect(planFaults(new SeededRandom(9), profile, [1, 2, 3], 2000)).toEqual(plan);
    }
  });
});

describe('the shared fault model in the simulation', () => {
  const at = { atMs: 100, nodes: [1, 2, 3], calm: CALM_NETWORK };

  it('maps the faults a real cluster also knows onto the nemesis, with their undoing after a duration', () => {
    expect(fromCommonFault(common.kill(2, { durationMs: 50 }), at)).toEqual([
      { atMs: 100, fault: { kind: 'crash', node: 2, crash: 'kill' } },
      { atMs: 150, fault: { kind: 'restart' } },
    ]);
    expect(fromCommonFault(common.partition([1], [2, 3]), at)).toEqual([{ atMs: 100, fault: { kind: 'partition', groups: [[1], [2, 3]] } }]);
    const delayed = fromCommonFault(common.delay(1, 40), at);
    expect(delayed.map((f) => f.fault)).toEqual([2, 3].map((to) => ({ kind: 'slow-link', from: 1, to, conditions: { ...CALM_NETWORK, minDelayMs: 41, maxDelayMs: 45 } })));
    expect(() => fromCommonFault(common.stop(1), at)).toThrow(/controlled shutdown/);
  });

  it('describes the common faults in the shared words, and keeps its own kinds', () => {
    const isolate: Fault = { kind: 'isolate', node: 2 };
    expect(toCommonFault(isolate)).toEqual({ kind: 'isolate', nodes: [2] });
    expect(describeFault({ kind: 'partition', groups: [[1], [2, 3]] })).toBe('partition {1} | {2,3}');
    expect(toCommonFault({ kind: 'crash', node: 1, crash: 'power-loss' })).toBeUndefined();
    expect(toCommonFault({ kind: 'isolate', node: 'leader' })).toBeUndefined();
    expect(describeFault({ kind: 'crash', node: 1, crash: 'power-loss' })).toBe('power-loss 1');
  });
});
