#!/usr/bin/env node
/**
 * The cluster simulation's command line (`npm run sim -- cluster ...`):
 *   sim cluster [--scenario acks-all|acks-all-compacted|acks-1|stale-isr-epoch|stale-isr-epoch-unchecked] --seeds 200 [--from N]
 *       run many seeds, report each failing one (for acks-1 and stale-isr-epoch-unchecked, which
 *       are expected to lose writes, only count the seeds that did)
 *   sim cluster [--scenario ...] --seed N [--verbose [level]]
 *       replay one seed; with --verbose, every node's log lines and every fault, in virtual time
 */
import { Command, InvalidArgumentError } from 'commander';
import { describeReport } from '../../check/index.js';
import { mustBeSafe, replayClusterSeed, runScenario, safetyFailure, SCENARIOS, summarizeRun, type ScenarioName } from './scenarios.js';

interface ClusterCommandOptions {
  scenario: ScenarioName;
  seeds: number;
  from: number;
  seed?: number;
  verbose?: string | boolean;
}

function write(line: string): void {
  process.stdout.write(`${line}\n`);
}

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return parsed;
}

function scenario(value: string): ScenarioName {
  if (!(SCENARIOS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${SCENARIOS.join(', ')}`);
  return value as ScenarioName;
}

async function replayOne(options: ClusterCommandOptions, seed: number): Promise<number> {
  const level = typeof options.verbose === 'string' ? options.verbose : 'info';
  const verbose = options.verbose ? { level, write: (line: string) => process.stdout.write(line) } : undefined;
  const result = await replayClusterSeed(seed, options.scenario, verbose);
  write(summarizeRun(result));
  const failure = safetyFailure(result, options.scenario);
  write(failure ?? describeReport(result.report));
  return mustBeSafe(options.scenario) && failure ? 1 : 0;
}

async function runMany(options: ClusterCommandOptions): Promise<number> {
  const started = performance.now();
  let failed = 0;
  let lossy = 0;
  for (let seed = options.from; seed < options.from + options.seeds; seed++) {
    const result = await runScenario(options.scenario, seed);
    if (result.report.lostWrites.length > 0) lossy++;
    const failure = safetyFailure(result, options.scenario);
    if (failure && mustBeSafe(options.scenario)) {
      failed++;
      write(failure);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  write(
    `${options.seeds} seeds of ${options.scenario} in ${seconds.toFixed(1)}s (${(options.seeds / seconds).toFixed(1)} seeds/s): ` +
      `${failed} failed, ${lossy} with lost acknowledged writes`,
  );
  return failed > 0 ? 1 : 0;
}

/** The `cluster` subcommand of `sim` (and this file's own command line). */
export function clusterCommand(name = 'cluster'): Command {
  return new Command(name)
    .description('simulate whole brokerlab clusters under random faults and check the history')
    .option('--scenario <name>', `one of ${SCENARIOS.join(', ')}`, scenario, 'acks-all' as ScenarioName)
    .option('--seeds <count>', 'number of seeds to run', integer, 100)
    .option('--from <seed>', 'first seed', integer, 1)
    .option('--seed <seed>', 'replay one seed', integer)
    .option('--verbose [level]', 'with --seed: print node logs (default level info) and faults')
    .action(async (options: ClusterCommandOptions) => {
      process.exitCode = options.seed !== undefined ? await replayOne(options, options.seed) : await runMany(options);
    });
}

if (process.argv[1]?.endsWith('cluster/main.js')) await clusterCommand('sim-cluster').parseAsync();
