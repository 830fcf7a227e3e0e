#!/usr/bin/env node
/**
 * The simulation command line:
 *   sim raft --seeds 100000 [--from N] [--nodes 3|5]   run many seeds, stop at the first failure
 *   sim raft --seed N [--nodes 3|5]                    replay one seed and print its event trace
 *   sim cluster --seeds 200 | --seed N [--verbose]     whole clusters: see cluster/main.ts
 */
import { Command, InvalidArgumentError } from 'commander';
import { clusterCommand } from './cluster/main.js';
import { SimulationFailure } from './failure.js';
import { runRaftSimulation, type SimResult } from './raft-simulation.js';

interface RaftCommandOptions {
  seeds: number;
  from: number;
  seed?: number;
  nodes?: 3 | 5;
}

function write(line: string): void {
  process.stdout.write(`${line}\n`);
}

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return parsed;
}

function nodeCount(value: string): 3 | 5 {
  if (value !== '3' && value !== '5') throw new InvalidArgumentError('expected 3 or 5');
  return Number(value) as 3 | 5;
}

function summarize(result: SimResult): string {
  return (
    `seed=${result.seed} nodes=${result.nodes}+${result.learners} t=${result.virtualTimeMs}ms events=${result.events} ` +
    `faults=${result.faults} crashes=${result.crashes} afterWrite=${result.powerLossesAfterWrite} msgs=${result.messagesSent} dropped=${result.messagesDropped} ` +
    `leaders=${result.leaderTerms} maxTerm=${result.maxTerm} committed=${result.committedIndex} ` +
    `snapshots=${result.snapshotsTaken}/${result.snapshotsInstalled} digest=${result.digest}`
  );
}

async function replayOne(seed: number, nodes: 3 | 5 | undefined): Promise<number> {
  try {
    const result = await runRaftSimulation({ seed, ...(nodes ? { nodes } : {}), trace: write });
    write(summarize(result));
    return 0;
  } catch (e) {
    if (!(e instanceof SimulationFailure)) throw e;
    write(e.message);
    return 1;
  }
}

async function runMany(options: RaftCommandOptions): Promise<number> {
  const started = performance.now();
  const totals = { events: 0, crashes: 0, afterWrite: 0, leaders: 0, committed: 0, snapshots: 0 };
  const last = options.from + options.seeds;
  const progressEvery = Math.max(1, Math.min(1000, Math.floor(options.seeds / 20)));
  for (let seed = options.from; seed < last; seed++) {
    let result: SimResult;
    try {
      result = await runRaftSimulation({ seed, ...(options.nodes ? { nodes: options.nodes } : {}) });
    } catch (e) {
      if (!(e instanceof SimulationFailure)) throw e;
      write(`FAILED after ${seed - options.from + 1} seeds`);
      write(e.message);
      return 1;
    }
    totals.events += result.events;
    totals.crashes += result.crashes;
    totals.afterWrite += result.powerLossesAfterWrite;
    totals.leaders += result.leaderTerms;
    totals.committed += result.committedIndex;
    totals.snapshots += result.snapshotsInstalled;
    const done = seed - options.from + 1;
    if (done % progressEvery === 0 || seed === last - 1) {
      const seconds = (performance.now() - started) / 1000;
      write(`${done}/${options.seeds} seeds ok (${(done / seconds).toFixed(1)} seeds/s)`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  write(
    `all ${options.seeds} seeds passed in ${seconds.toFixed(1)}s (${(options.seeds / seconds).toFixed(1)} seeds/s): ` +
      `${totals.events} events, ${totals.crashes} crashes (${totals.afterWrite} between persist and send), ${totals.leaders} elections, ` +
      `${totals.committed} entries committed, ${totals.snapshots} snapshots installed`,
  );
  return 0;
}

const program = new Command('sim').description('deterministic simulations of brokerlab components');

program
  .command('raft')
  .description('simulate Raft clusters under random faults and check safety and liveness')
  .option('--seeds <count>', 'number of seeds to run', integer, 1000)
  .option('--from <seed>', 'first seed', integer, 0)
  .option('--seed <seed>', 'replay one seed and print its event trace', integer)
  .option('--nodes <count>', 'voters per cluster, 3 or 5 (default: drawn from each seed)', nodeCount)
  .action(async (options: RaftCommandOptions) => {
    process.exitCode = options.seed !== undefined ? await replayOne(options.seed, options.nodes) : await runMany(options);
  });

program.addCommand(clusterCommand());

await program.parseAsync();
