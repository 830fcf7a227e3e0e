/**
 * The fault schedule of one run, drawn from its seed: bad network conditions, symmetric and
 * one-way partitions, crashes with restarts and pauses with resumes, during a fault phase that
 * ends in a quiet period (everything healed, restarted and resumed, no loss).
 */
import type { SeededRandom } from '../common/random.js';
import type { NodeId } from '../raft/types.js';
import type { NetworkConditions } from './network.js';

/** A node to hit: a fixed one, or whichever node leads when the fault strikes. */
export type FaultTarget = NodeId | 'leader';

export type Fault =
  | { readonly kind: 'network'; readonly conditions: NetworkConditions }
  | { readonly kind: 'isolate'; readonly node: FaultTarget }
  | { readonly kind: 'partition'; readonly groups: readonly (readonly NodeId[])[] }
  | { readonly kind: 'cut-one-way'; readonly from: NodeId; readonly to: NodeId }
  | { readonly kind: 'heal' }
  | { readonly kind: 'crash'; readonly node: FaultTarget }
  /** Restarts one crashed node (the one crashed longest ago). */
  | { readonly kind: 'restart'; readonly node: 'crashed' }
  | { readonly kind: 'pause'; readonly node: FaultTarget }
  /** Resumes one paused node (the one paused longest ago). */
  | { readonly kind: 'resume'; readonly node: 'paused' }
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
      return `network loss=${c.lossRate.toFixed(2)} dup=${c.duplicateRate.toFixed(2)} delay=${c.minDelayMs}-${c.maxDelayMs}ms spikes=${c.spikeRate.toFixed(2)}@${c.spikeDelayMs}ms`;
    }
    case 'partition':
      return `partition ${fault.groups.map((g) => `{${g.join(',')}}`).join(' ')}`;
    case 'cut-one-way':
      return `cut ${fault.from}->${fault.to}`;
    case 'heal':
    case 'quiet':
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
  const planned: TimedFault[] = [{ atMs: 0, fault: { kind: 'network', conditions: randomConditions(random) } }];
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
  // The leader is where most of Raft's hard cases start, so it is hit more often than chance would.
  const target: FaultTarget = random.chance(0.4) ? 'leader' : node;
  const recoverAt = at + random.int(10, 600);
  const roll = random.int(0, 99);
  if (roll < 15) return [{ atMs: at, fault: { kind: 'network', conditions: randomConditions(random) } }];
  if (roll < 30) return [{ atMs: at, fault: { kind: 'isolate', node: target } }];
  if (roll < 42) return [{ atMs: at, fault: { kind: 'partition', groups: splitInTwo(random, nodes) } }];
  if (roll < 52) return [{ atMs: at, fault: { kind: 'cut-one-way', from: node, to: random.pick(nodes.filter((n) => n !== node)) } }];
  if (roll < 70) return [{ atMs: at, fault: { kind: 'heal' } }];
  if (roll < 88) {
    return [
      { atMs: at, fault: { kind: 'crash', node: target } },
      { atMs: recoverAt, fault: { kind: 'restart', node: 'crashed' } },
    ];
  }
  return [
    { atMs: at, fault: { kind: 'pause', node: target } },
    { atMs: recoverAt, fault: { kind: 'resume', node: 'paused' } },
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
