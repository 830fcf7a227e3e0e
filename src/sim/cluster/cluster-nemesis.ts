/**
 * The fault schedule of one cluster run, drawn from its seed: bad network conditions and slow
 * links, isolations, symmetric and one-way partitions, kills and power losses with restarts,
 * pauses with resumes; some faults aim at whoever leads when they strike (a partition's leader or
 * the active controller), where the hard cases start. The fault phase ends with `quiet`: every
 * link healed and calm, every node restarted and resumed.
 */
import type { SeededRandom } from '../../common/random.js';
import type { CrashKind } from './cluster-node.js';
import { describeConditions, randomLinkConditions, slowLinkConditions, type LinkConditions } from './link-conditions.js';

/** A fixed node, or whichever node leads something when the fault strikes. */
export type FaultTarget = number | 'partition-leader' | 'controller';

export type ClusterFault =
  | { readonly kind: 'network'; readonly conditions: LinkConditions }
  | { readonly kind: 'slow-link'; readonly from: number; readonly to: number; readonly conditions: LinkConditions }
  | { readonly kind: 'isolate'; readonly node: FaultTarget }
  | { readonly kind: 'partition'; readonly groups: readonly (readonly number[])[] }
  | { readonly kind: 'cut-one-way'; readonly from: number; readonly to: number }
  | { readonly kind: 'heal' }
  | { readonly kind: 'crash'; readonly node: FaultTarget; readonly crash: CrashKind }
  /** Restarts the node crashed longest ago. */
  | { readonly kind: 'restart' }
  | { readonly kind: 'pause'; readonly node: FaultTarget }
  /** Resumes the node paused longest ago. */
  | { readonly kind: 'resume' }
  | { readonly kind: 'quiet' };

export interface TimedClusterFault {
  readonly atMs: number;
  readonly fault: ClusterFault;
}

/** How faults are mixed: relative weights per kind, and which crashes happen. */
export interface NemesisProfile {
  readonly weights: Readonly<Record<'network' | 'slowLink' | 'isolate' | 'partition' | 'cutOneWay' | 'heal' | 'crash' | 'pause', number>>;
  readonly crashKinds: readonly CrashKind[];
  /** Chance that a node fault aims at a current leader rather than a random node. */
  readonly leaderTargetChance: number;
  readonly gapMs: readonly [number, number];
  readonly outageMs: readonly [number, number];
}

export const MIXED_FAULTS: NemesisProfile = {
  weights: { network: 12, slowLink: 6, isolate: 12, partition: 10, cutOneWay: 8, heal: 20, crash: 22, pause: 14 },
  crashKinds: ['kill', 'power-loss'],
  leaderTargetChance: 0.5,
  gapMs: [100, 500],
  outageMs: [50, 700],
};

/** Mostly leaders killed while they have unreplicated writes: what acks=1 cannot survive. */
export const LEADER_KILLS: NemesisProfile = {
  weights: { network: 2, slowLink: 4, isolate: 0, partition: 0, cutOneWay: 0, heal: 4, crash: 30, pause: 0 },
  crashKinds: ['kill'],
  leaderTargetChance: 0.9,
  gapMs: [150, 500],
  outageMs: [200, 900],
};

export function describeFault(fault: ClusterFault): string {
  switch (fault.kind) {
    case 'network':
      return `network ${describeConditions(fault.conditions)}`;
    case 'slow-link':
      return `slow link ${fault.from}->${fault.to} ${describeConditions(fault.conditions)}`;
    case 'partition':
      return `partition ${fault.groups.map((g) => `{${g.join(',')}}`).join(' ')}`;
    case 'cut-one-way':
      return `cut ${fault.from}->${fault.to}`;
    case 'crash':
      return `${fault.crash} ${fault.node}`;
    case 'isolate':
    case 'pause':
      return `${fault.kind} ${fault.node}`;
    default:
      return fault.kind;
  }
}


/** Faults at random moments in [0, faultPhaseMs), then `quiet` at faultPhaseMs, in time order. */
export function planClusterFaults(random: SeededRandom, profile: NemesisProfile, nodes: readonly number[], faultPhaseMs: number): TimedClusterFault[] {
  const planned: TimedClusterFault[] = [{ atMs: 0, fault: { kind: 'network', conditions: randomLinkConditions(random) } }];
  for (let at = random.int(profile.gapMs[0], profile.gapMs[1]); at < faultPhaseMs; at += random.int(profile.gapMs[0], profile.gapMs[1])) {
    planned.push(...drawFault(random, profile, nodes, at));
  }
  const during = planned.filter((f) => f.atMs < faultPhaseMs);
  during.push({ atMs: faultPhaseMs, fault: { kind: 'quiet' } });
  // A stable sort keeps the drawing order of faults at the same moment.
  return during.sort((a, b) => a.atMs - b.atMs);
}

function drawFault(random: SeededRandom, profile: NemesisProfile, nodes: readonly number[], at: number): TimedClusterFault[] {
  const node = random.pick(nodes);
  const other = random.pick(nodes.filter((n) => n !== node));
  const target: FaultTarget = random.chance(profile.leaderTargetChance) ? random.pick(['partition-leader', 'controller'] as const) : node;
  const recoverAt = at + random.int(profile.outageMs[0], profile.outageMs[1]);
  const crash = random.pick(profile.crashKinds);
  switch (pickWeighted(random, profile.weights)) {
    case 'network':
      return [{ atMs: at, fault: { kind: 'network', conditions: randomLinkConditions(random) } }];
    case 'slowLink':
      return [{ atMs: at, fault: { kind: 'slow-link', from: node, to: other, conditions: slowLinkConditions(random) } }];
    case 'isolate':
      return [{ atMs: at, fault: { kind: 'isolate', node: target } }];
    case 'partition':
      return [{ atMs: at, fault: { kind: 'partition', groups: splitInTwo(random, nodes) } }];
    case 'cutOneWay':
      return [{ atMs: at, fault: { kind: 'cut-one-way', from: node, to: other } }];
    case 'heal':
      return [{ atMs: at, fault: { kind: 'heal' } }];
    case 'crash':
      return [
        { atMs: at, fault: { kind: 'crash', node: target, crash } },
        { atMs: recoverAt, fault: { kind: 'restart' } },
      ];
    case 'pause':
      return [
        { atMs: at, fault: { kind: 'pause', node: target } },
        { atMs: recoverAt, fault: { kind: 'resume' } },
      ];
  }
}



function pickWeighted<K extends string>(random: SeededRandom, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let roll = random.next() * total;
  for (const [kind, weight] of entries) {
    roll -= weight;
    if (roll < 0) return kind;
  }
  return entries[entries.length - 1]![0];
}

function splitInTwo(random: SeededRandom, nodes: readonly number[]): number[][] {
  const shuffled = [...nodes];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const cut = random.int(1, shuffled.length - 1);
  return [shuffled.slice(0, cut), shuffled.slice(cut)];
}
