/**
 * The fault schedule of one run, drawn from its seed: bad network conditions, symmetric and
 * one-way partitions, crashes with restarts and pauses with resumes, during a fault phase that
 * ends in a quiet period (everything healed, restarted and resumed, no loss).
 */
import type { SeededRandom } from '../common/random.js';
import type { NodeId } from '../raft/types.js';
import type { NetworkConditions } from './network.js';

/** A node to hit: a fixed one, whichever node leads when the fault strikes, or the next one elected. */
export type FaultTarget = NodeId | 'leader' | 'next-leader';

export type Fault =
  | { readonly kind: 'network'; readonly conditions: NetworkConditions }
  | { readonly kind: 'isolate'; readonly node: FaultTarget }
  | { readonly kind: 'partition'; readonly groups: readonly (readonly NodeId[])[] }
  | { readonly kind: 'cut-one-way'; readonly from: NodeId; readonly to: NodeId }
  | { readonly kind: 'heal' }
  | { readonly kind: 'crash'; readonly node: FaultTarget }
  /** Restarts the node crashed longest ago. */
  | { readonly kind: 'restart' }
  | { readonly kind: 'pause'; readonly node: FaultTarget }
  /** Resumes the node paused longest ago. */
  | { readonly kind: 'resume' }
  /** The end of the fault phase: heal, restart, resume, calm network. */
  | { readonly kind: 'quiet' };

export interface TimedFault {
  readonly atMs: number;
  readonly fault: Fault;
}

export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'network': {
      const c = fault.conditions;
      const order = c.reorder ? 'reordering' : 'in order';
      return `network loss=${c.lossRate.toFixed(2)} dup=${c.duplicateRate.toFixed(2)} delay=${c.minDelayMs}-${c.maxDelayMs}ms spikes=${c.spikeRate.toFixed(2)}@${c.spikeDelayMs}ms ${order}`;
    }
    case 'partition':
      return `partition ${fault.groups.map((g) => `{${g.join(',')}}`).join(' ')}`;
    case 'cut-one-way':
      return `cut ${fault.from}->${fault.to}`;
    case 'heal':
    case 'quiet':
    case 'restart':
    case 'resume':
      return fault.kind;
    default:
      return `${fault.kind} ${fault.node}`;
  }
}

export function randomConditions(random: SeededRandom): NetworkConditions {
  const maxDelayMs = random.int(2, 15);
  return {
    lossRate: random.chance(0.3) ? 0 : random.next() * 0.25,
    duplicateRate: random.next() * 0.05,
    minDelayMs: random.int(0, 2),
    maxDelayMs,
    spikeRate: random.next() * 0.05,
    spikeDelayMs: random.int(maxDelayMs, 150),
  };
}

/** Faults at random moments in [0, faultPhaseMs), then `quiet` at faultPhaseMs; sorted by time. */
export function planFaults(random: SeededRandom, nodes: readonly NodeId[], faultPhaseMs: number): TimedFault[] {
  const planned: TimedFault[] = [networkFault(random, 0)];
  let at = random.int(0, 100);
  while (at < faultPhaseMs) {
    planned.push(...drawFault(random, nodes, at));
    at += random.int(20, 250);
  }
  const during = planned.filter((f) => f.atMs < faultPhaseMs);
  during.push({ atMs: faultPhaseMs, fault: { kind: 'quiet' } });
  // A stable sort keeps the drawing order for faults at the same moment.
  return during.sort((a, b) => a.atMs - b.atMs);
}

function drawFault(random: SeededRandom, nodes: readonly NodeId[], at: number): TimedFault[] {
  const node = random.pick(nodes);
  // Leaders are where most of Raft's hard cases start, so they are hit more often than chance would.
  const aim = random.int(0, 9);
  const target: FaultTarget = aim < 4 ? 'leader' : aim < 6 ? 'next-leader' : node;
  const recoverAt = at + random.int(10, 600);
  const roll = random.int(0, 99);
  if (roll < 10) return [networkFault(random, at)];
  if (roll < 17) return [{ atMs: at, fault: { kind: 'isolate', node: target } }];
  if (roll < 30) return leaderChurn(at, random.int(100, 500));
  if (roll < 42) return [{ atMs: at, fault: { kind: 'partition', groups: splitInTwo(random, nodes) } }];
  if (roll < 52) return [{ atMs: at, fault: { kind: 'cut-one-way', from: node, to: random.pick(nodes.filter((n) => n !== node)) } }];
  if (roll < 70) return [{ atMs: at, fault: { kind: 'heal' } }];
  if (roll < 88) {
    return [
      { atMs: at, fault: { kind: 'crash', node: target } },
      { atMs: recoverAt, fault: { kind: 'restart' } },
    ];
  }
  return [
    { atMs: at, fault: { kind: 'pause', node: target } },
    { atMs: recoverAt, fault: { kind: 'resume' } },
  ];
}

/** New network conditions; half the time messages on a link may also overtake each other. */
function networkFault(random: SeededRandom, at: number): TimedFault {
  const conditions = { ...randomConditions(random), reorder: random.chance(0.5) };
  return { atMs: at, fault: { kind: 'network', conditions } };
}

/**
 * Cuts off the leader while clients still write to it, then cuts off its successor as soon as it
 * is elected, then heals: two leaders with diverging uncommitted tails meet again, Figure 8's setup.
 */
function leaderChurn(at: number, healAfterMs: number): TimedFault[] {
  return [
    { atMs: at, fault: { kind: 'isolate', node: 'leader' } },
    { atMs: at, fault: { kind: 'isolate', node: 'next-leader' } },
    { atMs: at + healAfterMs, fault: { kind: 'heal' } },
  ];
}

function splitInTwo(random: SeededRandom, nodes: readonly NodeId[]): NodeId[][] {
  const shuffled = [...nodes];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const cut = random.int(1, shuffled.length - 1);
  return [shuffled.slice(0, cut), shuffled.slice(cut)];
}
