/**
 * The chaos lab's fault schedule: drawn from a seed before the run starts, written to the run's
 * directory, and read back to replay the same faults. Pure data and a pure generator; the runner
 * (nemesis.ts) carries it out on real processes.
 *
 * A generated schedule strikes one fault at a time: each fault is undone before the next gap
 * starts, so at most one node (or the smaller half of a split) is ever down and the cluster keeps
 * a majority. A schedule written by hand may overlap faults; the runner carries out what it says.
 */
import { SeededRandom } from '../common/random.js';

/** What a user can ask the nemesis for. `leader` and `controller` pick their victim when they strike. */
export type NemesisKind = 'kill' | 'stop' | 'pause' | 'isolate' | 'delay' | 'partition-halves' | 'leader' | 'controller';
export const NEMESIS_KINDS: readonly NemesisKind[] = ['kill', 'stop', 'pause', 'isolate', 'delay', 'partition-halves', 'leader', 'controller'];

/** What a step does. */
export type ChaosAction = 'kill' | 'stop' | 'pause' | 'isolate' | 'delay' | 'partition-halves';

/** Whom a step strikes: a fixed node, the current leader of one of the workload's partitions, or the active controller. */
export type StepTarget = { readonly node: number } | { readonly leaderOf: number } | { readonly controller: true } | { readonly halves: readonly [readonly number[], readonly number[]] };

export interface ChaosStep {
  /** From the start of the fault phase. */
  readonly atMs: number;
  readonly durationMs: number;
  readonly action: ChaosAction;
  readonly target: StepTarget;
  /** For `delay`: how late everything the node sends arrives. */
  readonly delayMs?: number;
}

export interface ScheduleOptions {
  readonly seed: number;
  readonly durationMs: number;
  readonly nemesis: readonly NemesisKind[];
  /** Quiet time between one fault's end and the next fault, [min, max] ms. */
  readonly intervalMs: readonly [number, number];
  /** How long one fault lasts, [min, max] ms. */
  readonly faultMs: readonly [number, number];
  /** Node ids that may be struck. */
  readonly nodes: readonly number[];
  /** The workload's partition count (for `leader` targets). */
  readonly partitions: number;
}

export interface ChaosSchedule extends ScheduleOptions {
  readonly steps: readonly ChaosStep[];
}

const NODE_FAULTS: readonly ChaosAction[] = ['kill', 'stop', 'pause', 'isolate'];
const TARGETED_BY_DEFAULT: readonly ChaosAction[] = ['kill', 'pause', 'isolate'];

/** The delay a `delay` step puts on a node: enough to matter, short of the session timeout. */
const DELAY_CHOICES_MS = [50, 100, 200, 300];

export function generateSchedule(options: ScheduleOptions): ChaosSchedule {
  validateScheduleOptions(options);
  const random = new SeededRandom(options.seed);
  const steps: ChaosStep[] = [];
  // The node faults a `leader` or `controller` step may use: those the user chose, else a crash,
  // a freeze or a cut (a leader cut off from its peers while clients still reach it is where
  // acks=1 loses most).
  const chosenNodeFaults = NODE_FAULTS.filter((a) => options.nemesis.includes(a as NemesisKind));
  const targetedFaults = chosenNodeFaults.length > 0 ? chosenNodeFaults : TARGETED_BY_DEFAULT;
  let atMs = random.int(options.intervalMs[0], options.intervalMs[1]);
  for (;;) {
    const durationMs = random.int(options.faultMs[0], options.faultMs[1]);
    if (atMs + durationMs > options.durationMs) break;
    const kind = random.pick(options.nemesis);
    steps.push(drawStep(random, kind, atMs, durationMs, options, targetedFaults));
    atMs += durationMs + random.int(options.intervalMs[0], options.intervalMs[1]);
  }
  return { ...options, nemesis: [...options.nemesis], intervalMs: [...options.intervalMs], faultMs: [...options.faultMs], nodes: [...options.nodes], steps };
}

function drawStep(
  random: SeededRandom,
  kind: NemesisKind,
  atMs: number,
  durationMs: number,
  options: ScheduleOptions,
  targetedFaults: readonly ChaosAction[],
): ChaosStep {
  const base = { atMs, durationMs };
  switch (kind) {
    case 'leader':
      return { ...base, action: random.pick(targetedFaults), target: { leaderOf: random.int(0, options.partitions - 1) } };
    case 'controller':
      return { ...base, action: random.pick(targetedFaults), target: { controller: true } };
    case 'partition-halves':
      return { ...base, action: 'partition-halves', target: { halves: splitInHalves(random, options.nodes) } };
    case 'delay':
      return { ...base, action: 'delay', target: { node: random.pick(options.nodes) }, delayMs: random.pick(DELAY_CHOICES_MS) };
    default:
      return { ...base, action: kind, target: { node: random.pick(options.nodes) } };
  }
}

/** A random split: the smaller half first (one node of three, two of five). */
function splitInHalves(random: SeededRandom, nodes: readonly number[]): readonly [number[], number[]] {
  const shuffled = [...nodes];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const small = Math.floor(shuffled.length / 2);
  return [shuffled.slice(0, small).sort((a, b) => a - b), shuffled.slice(small).sort((a, b) => a - b)];
}

export class InvalidScheduleError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidScheduleError';
  }
}

function validateScheduleOptions(options: ScheduleOptions): void {
  const range = (name: string, [min, max]: readonly [number, number]): void => {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) throw new InvalidScheduleError(`${name}: expected whole ms with 0 <= min <= max, got ${min}..${max}`);
  };
  if (!Number.isInteger(options.seed)) throw new InvalidScheduleError(`seed must be an integer, got ${options.seed}`);
  if (!Number.isInteger(options.durationMs) || options.durationMs <= 0) throw new InvalidScheduleError(`duration must be > 0 ms, got ${options.durationMs}`);
  range('interval', options.intervalMs);
  range('fault length', options.faultMs);
  if (options.faultMs[0] === 0) throw new InvalidScheduleError('a fault must last at least 1 ms');
  if (options.nemesis.length === 0) throw new InvalidScheduleError('no nemesis kind chosen');
  for (const kind of options.nemesis) if (!NEMESIS_KINDS.includes(kind)) throw new InvalidScheduleError(`unknown nemesis ${String(kind)}; choose from ${NEMESIS_KINDS.join(', ')}`);
  if (options.nodes.length === 0) throw new InvalidScheduleError('no node to strike');
  if (options.nemesis.includes('partition-halves') && options.nodes.length < 2) throw new InvalidScheduleError('partition-halves needs at least two nodes');
  if (!Number.isInteger(options.partitions) || options.partitions < 1) throw new InvalidScheduleError(`partitions must be >= 1, got ${options.partitions}`);
}

/** Checks a schedule read back from a file: every step well formed. Returns it typed. */
export function validateSchedule(value: unknown): ChaosSchedule {
  const s = value as ChaosSchedule;
  if (typeof s !== 'object' || s === null || !Array.isArray(s.steps)) throw new InvalidScheduleError('not a chaos schedule (no steps)');
  validateScheduleOptions(s);
  for (const [i, step] of s.steps.entries()) {
    const where = `step ${i + 1}`;
    if (!Number.isInteger(step.atMs) || step.atMs < 0 || !Number.isInteger(step.durationMs) || step.durationMs <= 0) throw new InvalidScheduleError(`${where}: atMs >= 0 and durationMs > 0 must be whole ms`);
    if (![...NODE_FAULTS, 'delay', 'partition-halves'].includes(step.action)) throw new InvalidScheduleError(`${where}: unknown action ${String(step.action)}`);
    const t = step.target as Partial<{ node: number; leaderOf: number; controller: true; halves: number[][] }>;
    const ok =
      (typeof t.node === 'number' && s.nodes.includes(t.node)) ||
      (typeof t.leaderOf === 'number' && t.leaderOf >= 0 && t.leaderOf < s.partitions) ||
      t.controller === true ||
      (Array.isArray(t.halves) && t.halves.length === 2 && t.halves.every((h) => Array.isArray(h) && h.length > 0));
    if (!ok) throw new InvalidScheduleError(`${where}: bad target ${JSON.stringify(step.target)}`);
    if ((step.action === 'partition-halves') !== Array.isArray(t.halves)) throw new InvalidScheduleError(`${where}: partition-halves goes with a halves target, and only it`);
    if (step.action === 'delay' && (!Number.isInteger(step.delayMs) || step.delayMs! < 0)) throw new InvalidScheduleError(`${where}: delay needs delayMs >= 0`);
  }
  return s;
}

/** "kill the leader of partition 1 for 2300 ms", "partition-halves {2} | {1,3} for 1500 ms". */
export function describeStep(step: ChaosStep): string {
  const t = step.target as Partial<{ node: number; leaderOf: number; controller: true; halves: readonly (readonly number[])[] }>;
  if (t.halves) return `partition-halves {${t.halves[0]!.join(',')}} | {${t.halves[1]!.join(',')}} for ${step.durationMs} ms`;
  const who = t.node !== undefined ? `node ${t.node}` : t.leaderOf !== undefined ? `the leader of partition ${t.leaderOf}` : 'the active controller';
  const what = step.action === 'delay' ? `delay ${who} by ${step.delayMs} ms` : `${step.action} ${who}`;
  return `${what} for ${step.durationMs} ms`;
}
