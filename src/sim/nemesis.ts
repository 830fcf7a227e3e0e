/**
 * The one nemesis of both simulations: the fault schedule of a run, drawn from its seed. Bad
 * network conditions and slow links, isolations, symmetric and one-way partitions, kills and power
 * losses with restarts, pauses with resumes, and leader churn (the leader cut off, then its
 * successor the moment it is elected: Raft's Figure 8 setup). Node faults often aim at whoever
 * leads when they strike, where the hard cases start. The fault phase ends with `quiet`: every link
 * healed and calm, every node restarted and resumed.
 *
 * A simulation picks a profile (how faults are mixed); the fault injector carries them out.
 *
 * The faults a real cluster also knows (kill, pause, isolate, partition, delay) are the shared
 * model's (src/common/faults.ts): `toCommonFault` and `fromCommonFault` map between the two, and
 * they are described in its words. Power losses, one-way cuts, bad network moods and 'whoever
 * leads' targets are the simulation's own.
 */
import { describeFault as describeCommonFault, type Fault as CommonFault } from '../common/faults.js';
import type { SeededRandom } from '../common/random.js';
import type { NodeId } from '../raft/types.js';
import { CALM_NETWORK, CALM_REORDERING_NETWORK, describeConditions, randomConditions, slowLinkConditions, type NetworkConditions } from './network.js';

/**
 * Whoever a node fault strikes: a fixed node, or one resolved when it strikes — the Raft leader of
 * the highest term ('leader'; in a whole cluster that is the active controller), the next leader
 * elected ('next-leader', hit the moment it wins), or the leader of a random topic partition.
 */
export type LeaderTarget = 'leader' | 'next-leader' | 'partition-leader';
export type FaultTarget = NodeId | LeaderTarget;

/**
 * - kill (SIGKILL): the process is gone; the OS keeps every byte it wrote, flushed or not.
 * - power-loss: the process is gone, and so is whatever was not yet flushed.
 * - power-loss-after-write: a power loss that strikes the moment the node's next write becomes
 *   durable, before the process learns of it: between persisting a Raft Ready and sending its messages.
 */
export type CrashKind = 'kill' | 'power-loss' | 'power-loss-after-write';

export type Fault =
  | { readonly kind: 'network'; readonly conditions: NetworkConditions }
  | { readonly kind: 'slow-link'; readonly from: NodeId; readonly to: NodeId; readonly conditions: NetworkConditions }
  | { readonly kind: 'isolate'; readonly node: FaultTarget }
  | { readonly kind: 'partition'; readonly groups: readonly (readonly NodeId[])[] }
  | { readonly kind: 'cut-one-way'; readonly from: NodeId; readonly to: NodeId }
  | { readonly kind: 'heal' }
  | { readonly kind: 'crash'; readonly node: FaultTarget; readonly crash: CrashKind }
  /** Restarts the node crashed longest ago. */
  | { readonly kind: 'restart' }
  | { readonly kind: 'pause'; readonly node: FaultTarget }
  /** Resumes the node paused longest ago. */
  | { readonly kind: 'resume' }
  /** The end of the fault phase: heal, calm network, restart, resume. */
  | { readonly kind: 'quiet' };

export interface TimedFault {
  readonly atMs: number;
  readonly fault: Fault;
}

type FaultWeight = 'network' | 'slowLink' | 'isolate' | 'partition' | 'cutOneWay' | 'heal' | 'crash' | 'pause' | 'leaderChurn';

/** How faults are mixed: relative weights per kind, which crashes happen, and the network's moods. */
export interface NemesisProfile {
  readonly weights: Readonly<Record<FaultWeight, number>>;
  readonly crashKinds: readonly CrashKind[];
  /** Chance that a node fault aims at a leader rather than a random node... */
  readonly leaderTargetChance: number;
  /** ...and which one (drawn uniformly; repeat one to weigh it more). */
  readonly leaderTargets: readonly LeaderTarget[];
  /** When the first fault after the opening network conditions strikes. */
  readonly firstGapMs: readonly [number, number];
  readonly gapMs: readonly [number, number];
  /** How long a crashed or paused node stays down (the fault phase's end brings it back anyway). */
  readonly outageMs: readonly [number, number];
  /** How long leader churn keeps the two leaders cut off. */
  readonly churnMs: readonly [number, number];
  /** Bad network conditions. */
  conditions(random: SeededRandom): NetworkConditions;
  /** The network once the faults stop. */
  readonly calm: NetworkConditions;
}

/**
 * Raft alone: much loss (Raft retries cheaply), in-order or reordering links, leaders hit often,
 * and crashes are power losses, a third of them between persisting a Ready and sending it.
 */
export const RAFT_FAULTS: NemesisProfile = {
  weights: { network: 10, slowLink: 0, isolate: 7, partition: 12, cutOneWay: 10, heal: 18, crash: 18, pause: 12, leaderChurn: 13 },
  crashKinds: ['power-loss', 'power-loss', 'power-loss-after-write'],
  leaderTargetChance: 0.6,
  leaderTargets: ['leader', 'leader', 'next-leader'],
  firstGapMs: [10, 100],
  gapMs: [20, 250],
  outageMs: [10, 600],
  churnMs: [100, 500],
  conditions: (random) => {
    const conditions = randomConditions(random, 0.25, false);
    return { ...conditions, reorder: random.chance(0.5) };
  },
  calm: CALM_NETWORK,
};

/**
 * Whole clusters, every kind of fault. Loss stays moderate: a lost call costs its caller a whole
 * request timeout, so heavy loss would only stall the run, not find more.
 */
export const MIXED_FAULTS: NemesisProfile = {
  weights: { network: 12, slowLink: 6, isolate: 12, partition: 10, cutOneWay: 8, heal: 20, crash: 22, pause: 14, leaderChurn: 0 },
  crashKinds: ['kill', 'power-loss'],
  leaderTargetChance: 0.5,
  leaderTargets: ['partition-leader', 'leader'],
  firstGapMs: [100, 500],
  gapMs: [100, 500],
  outageMs: [50, 700],
  churnMs: [100, 500],
  conditions: (random) => randomConditions(random, 0.1, true),
  calm: CALM_REORDERING_NETWORK,
};

/** Mostly leaders killed while they have unreplicated writes: what acks=1 cannot survive. */
export const LEADER_KILLS: NemesisProfile = {
  ...MIXED_FAULTS,
  weights: { network: 2, slowLink: 4, isolate: 0, partition: 0, cutOneWay: 0, heal: 4, crash: 30, pause: 0, leaderChurn: 0 },
  crashKinds: ['kill'],
  leaderTargetChance: 0.9,
  firstGapMs: [150, 500],
  gapMs: [150, 500],
  outageMs: [200, 900],
};

export function describeFault(fault: Fault): string {
  const common = toCommonFault(fault);
  if (common) return describeCommonFault(common);
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

/**
 * The shared model's fault for a simulation fault that has one: a kill, a pause or an isolation
 * of a fixed node, or a partition in two. Undefined for the simulation's own kinds.
 */
export function toCommonFault(fault: Fault): CommonFault | undefined {
  switch (fault.kind) {
    case 'crash':
      return fault.crash === 'kill' && typeof fault.node === 'number' ? { kind: 'kill', nodes: [fault.node] } : undefined;
    case 'pause':
    case 'isolate':
      return typeof fault.node === 'number' ? { kind: fault.kind, nodes: [fault.node] } : undefined;
    case 'partition':
      return fault.groups.length === 2 ? { kind: 'partition', nodes: [...fault.groups[0]!], others: [...fault.groups[1]!] } : undefined;
    default:
      return undefined;
  }
}

/**
 * A shared-model fault as simulation faults from `atMs`, and, when it has a duration, what undoes
 * it then (restart, resume, heal, calm links). A delay slows every link from the node by its ms.
 * A controlled shutdown has no counterpart in a simulated node.
 */
export function fromCommonFault(fault: CommonFault, at: { atMs: number; nodes: readonly NodeId[]; calm: NetworkConditions }): TimedFault[] {
  const { atMs } = at;
  const untilMs = fault.durationMs === undefined ? undefined : atMs + fault.durationMs;
  const timed = (faults: Fault[], undo: Fault[]): TimedFault[] => [
    ...faults.map((f) => ({ atMs, fault: f })),
    ...(untilMs === undefined ? [] : undo.map((f) => ({ atMs: untilMs, fault: f }))),
  ];
  const slowed = (ms: number): NetworkConditions => ({ ...at.calm, minDelayMs: at.calm.minDelayMs + ms, maxDelayMs: at.calm.maxDelayMs + ms });
  const linksFrom = (conditions: NetworkConditions): Fault[] =>
    fault.nodes.flatMap((from) => at.nodes.filter((to) => to !== from).map((to): Fault => ({ kind: 'slow-link', from, to, conditions })));
  switch (fault.kind) {
    case 'kill':
      return timed(fault.nodes.map((node) => ({ kind: 'crash', node, crash: 'kill' })), fault.nodes.map(() => ({ kind: 'restart' })));
    case 'pause':
      return timed(fault.nodes.map((node) => ({ kind: 'pause', node })), fault.nodes.map(() => ({ kind: 'resume' })));
    case 'isolate':
      return timed(fault.nodes.map((node) => ({ kind: 'isolate', node })), [{ kind: 'heal' }]);
    case 'partition':
      return timed([{ kind: 'partition', groups: [[...fault.nodes], [...fault.others]] }], [{ kind: 'heal' }]);
    case 'delay':
      return timed(linksFrom(slowed(fault.ms)), linksFrom(at.calm));
    case 'stop':
      throw new RangeError('a simulated node has no controlled shutdown: use kill');
  }
}

/** Faults at random moments in [0, faultPhaseMs), then `quiet` at faultPhaseMs, in time order. */
export function planFaults(random: SeededRandom, profile: NemesisProfile, nodes: readonly NodeId[], faultPhaseMs: number): TimedFault[] {
  const planned: TimedFault[] = [{ atMs: 0, fault: { kind: 'network', conditions: profile.conditions(random) } }];
  for (let at = random.int(profile.firstGapMs[0], profile.firstGapMs[1]); at < faultPhaseMs; at += random.int(profile.gapMs[0], profile.gapMs[1])) {
    planned.push(...drawFault(random, profile, nodes, at));
  }
  const during = planned.filter((f) => f.atMs < faultPhaseMs);
  during.push({ atMs: faultPhaseMs, fault: { kind: 'quiet' } });
  // A stable sort keeps the drawing order of faults at the same moment.
  return during.sort((a, b) => a.atMs - b.atMs);
}

function drawFault(random: SeededRandom, profile: NemesisProfile, nodes: readonly NodeId[], at: number): TimedFault[] {
  const node = random.pick(nodes);
  const other = random.pick(nodes.filter((n) => n !== node));
  const target: FaultTarget = random.chance(profile.leaderTargetChance) ? random.pick(profile.leaderTargets) : node;
  const recoverAt = at + random.int(profile.outageMs[0], profile.outageMs[1]);
  const crash = random.pick(profile.crashKinds);
  switch (pickWeighted(random, profile.weights)) {
    case 'network':
      return [{ atMs: at, fault: { kind: 'network', conditions: profile.conditions(random) } }];
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
    case 'leaderChurn':
      return leaderChurn(at, random.int(profile.churnMs[0], profile.churnMs[1]));
  }
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

function pickWeighted<K extends string>(random: SeededRandom, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let roll = random.next() * total;
  for (const [kind, weight] of entries) {
    if (weight <= 0) continue;
    roll -= weight;
    if (roll < 0) return kind;
  }
  // Rounding left the roll at the very end: the last kind that can happen.
  return entries.filter(([, w]) => w > 0).at(-1)![0];
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
