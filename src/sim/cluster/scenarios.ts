/**
 * The named cluster-simulation scenarios the test suite runs, so a failing seed replays with
 * exactly the options it failed with, from a test or from the command line.
 *
 * - `acks-all`: acks=all, RF 3, min.insync.replicas 2, every kind of fault; nothing acknowledged
 *   may be lost, reordered or read dirty, replicas agree, and the cluster is live once quiet.
 * - `acks-all-compacted`: acks-all on a topic with cleanup.policy=compact,delete, tiny segments, a
 *   retention.bytes the log outgrows and a retention check every 100 ms, so retention deletes
 *   segments and every replica's cleaner rewrites its own log while the faults strike; the checker
 *   excuses what retention and compaction may remove (below the log start, or replaced by a later
 *   record of the same key) and nothing else.
 * - `acks-1`: acks=1 and min.insync.replicas 1 while leaders get killed: the leader acknowledges
 *   before anyone copied the data, so acknowledged writes do get lost, and the checker must say so.
 * - `stale-isr-epoch`: the scripted run of stale-isr-epoch.ts: a follower loses power and restarts
 *   while an ISR expansion adding it is in flight; the controller refuses its stale broker epoch
 *   and nothing acknowledged is lost.
 * - `stale-isr-epoch-unchecked`: the same run with the controller's broker-epoch check off, to
 *   show what the check prevents: on most seeds acknowledged writes are lost.
 */
import { describeReport } from '../../check/index.js';
import { LEADER_KILLS, MIXED_FAULTS } from '../nemesis.js';
import { runClusterSimulation, type ClusterSimOptions, type ClusterSimResult } from './cluster-simulation.js';
import { staleIsrEpochOptions } from './stale-isr-epoch.js';

export type ScenarioName = 'acks-all' | 'acks-all-compacted' | 'acks-1' | 'stale-isr-epoch' | 'stale-isr-epoch-unchecked';

export const SCENARIOS: readonly ScenarioName[] = ['acks-all', 'acks-all-compacted', 'acks-1', 'stale-isr-epoch', 'stale-isr-epoch-unchecked'];

/** Scenarios where any lost or dirty write, or a cluster not live at the end, is a failure. */
export function mustBeSafe(scenario: ScenarioName): boolean {
  return scenario === 'acks-all' || scenario === 'acks-all-compacted' || scenario === 'stale-isr-epoch';
}

export function scenarioOptions(scenario: ScenarioName, seed: number): ClusterSimOptions {
  switch (scenario) {
    case 'acks-all':
      return { seed, acks: -1, minInsyncReplicas: 2, nemesis: MIXED_FAULTS, flushIntervalMessages: 1 };
    case 'acks-all-compacted':
      return { seed, acks: -1, minInsyncReplicas: 2, nemesis: MIXED_FAULTS, flushIntervalMessages: 1, compaction: true };
    case 'acks-1':
      return { seed, acks: 1, minInsyncReplicas: 1, nemesis: LEADER_KILLS, flushIntervalMessages: 0 };
    case 'stale-isr-epoch':
      return staleIsrEpochOptions(seed, true);
    case 'stale-isr-epoch-unchecked':
      return staleIsrEpochOptions(seed, false);
  }
}

export function runScenario(scenario: ScenarioName, seed: number, extra: Partial<ClusterSimOptions> = {}): Promise<ClusterSimResult> {
  return runClusterSimulation({ ...scenarioOptions(scenario, seed), ...extra });
}

/** Runs one seed of a scenario again, for a test or a verbose replay; identical to the original run. */
export function replayClusterSeed(seed: number, scenario: ScenarioName = 'acks-all', verbose?: ClusterSimOptions['verbose']): Promise<ClusterSimResult> {
  return runScenario(scenario, seed, verbose ? { verbose } : {});
}

export function replayCommand(scenario: ScenarioName, seed: number): string {
  return `npm run build && npm run sim -- cluster --scenario ${scenario} --seed ${seed} --verbose`;
}

/** One line per run: the seed and what happened in it. */
export function summarizeRun(result: ClusterSimResult): string {
  const { faults, report } = result;
  return (
    `seed=${result.seed} ${result.topology} partitions=${result.partitions} acks=${result.acks} t=${result.virtualTimeMs}ms events=${result.events} ` +
    `faults=${faults.faults} kills=${faults.kills} powerLosses=${faults.powerLosses} pauses=${faults.pauses} partitions=${faults.partitions} ` +
    `sent=${report.stats.sends} acked=${report.stats.acknowledgedSends} polled=${report.stats.polledRecords} duplicates=${report.duplicates.length} ` +
    `lost=${report.lostWrites.length}${report.stats.acknowledgedButRemoved > 0 ? ` removedByCleanup=${report.stats.acknowledgedButRemoved}` : ''} digest=${result.digest}`
  );
}

export interface SeedRangeOutcome {
  readonly results: readonly ClusterSimResult[];
  /** One message per failing seed (see `safetyFailure`). */
  readonly failures: readonly string[];
}

/** Runs `count` seeds from `from` one after the other and collects each failing seed's story. */
export async function runSeeds(scenario: ScenarioName, from: number, count: number): Promise<SeedRangeOutcome> {
  const results: ClusterSimResult[] = [];
  const failures: string[] = [];
  for (let seed = from; seed < from + count; seed++) {
    const result = await runScenario(scenario, seed);
    results.push(result);
    const failure = safetyFailure(result, scenario);
    if (failure) failures.push(failure);
  }
  return { results, failures };
}

/** Why a run of the acks-all scenario failed, naming its seed and how to replay it; undefined if it passed. */
export function safetyFailure(result: ClusterSimResult, scenario: ScenarioName = 'acks-all'): string | undefined {
  if (result.report.valid && result.liveness.length === 0) return undefined;
  return [
    `seed=${result.seed} failed (${scenario}, ${result.topology}, ${result.partitions} partitions)`,
    ...result.liveness.map((l) => `liveness: ${l}`),
    describeReport(result.report),
    `replay: ${replayCommand(scenario, result.seed)}`,
  ].join('\n');
}
