/**
 * The shape of one simulated run, drawn from its seed: cluster size, fault phase length, snapshot
 * frequency, replication batching and the client's pace. Every parameter is drawn even when the
 * caller overrides it, so an override never shifts the draws that follow: forcing the size a seed
 * would have drawn anyway replays that seed exactly.
 */
import type { SeededRandom } from '../common/random.js';

export interface SimParameters {
  readonly voters: number;
  readonly learners: number;
  readonly faultPhaseMs: number;
  /** The application snapshots after this many applied entries. */
  readonly snapshotEvery: number;
  readonly maxEntriesPerAppend: number;
  readonly maxInflightAppends: number;
  readonly proposeEveryMs: number;
}

export interface ParameterOverrides {
  nodes?: 3 | 5;
  learners?: number;
  faultPhaseMs?: number;
  faults?: boolean;
}

export function drawParameters(random: SeededRandom, overrides: ParameterOverrides): SimParameters {
  const voters = random.pick([3, 5] as const);
  const learners = random.chance(0.25) ? random.int(1, 2) : 0;
  const faultPhaseMs = random.int(300, 1500);
  const snapshotEvery = random.int(3, 40);
  // Small appends split a new leader's inherited entries from its no-op, which is where the rule
  // against counting replicas of older terms matters; the window keeps throughput up meanwhile.
  const maxEntriesPerAppend = random.pick([1, 2, 4, 8, 32]);
  const maxInflightAppends = random.int(Math.max(2, Math.ceil(16 / maxEntriesPerAppend)), 16);
  const proposeEveryMs = random.int(3, 20);
  return {
    voters: overrides.nodes ?? voters,
    learners: overrides.learners ?? learners,
    faultPhaseMs: overrides.faults === false ? 0 : (overrides.faultPhaseMs ?? faultPhaseMs),
    snapshotEvery,
    maxEntriesPerAppend,
    maxInflightAppends,
    proposeEveryMs,
  };
}
