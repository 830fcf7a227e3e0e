/**
 * `brokerlab chaos`: a seeded nemesis against real processes, with a checked verdict. On a
 * temporary 3-node cluster, or with --dir on that running cluster (left running, every fault
 * undone). `--replay chaos-<seed>/` runs a recorded schedule again; `-- <command…>` runs the
 * user's own command against the cluster while the faults run.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { clusterTiming, LocalCluster, readyWaitMs } from '../../../cluster/index.js';
import { readSchedule, type ChaosRunSettings } from '../../chaos/artifacts.js';
import { parseDuration, parseDurationRange } from '../../chaos/durations.js';
import { runChaos } from '../../chaos/run-chaos.js';
import { NEMESIS_KINDS, type NemesisKind } from '../../chaos/schedule.js';
import { openCluster, print } from '../context.js';
import { integerParser } from '../options.js';

interface ChaosFlags {
  duration: number;
  seed?: number;
  nemesis: NemesisKind[];
  interval: [number, number];
  faultLength: [number, number];
  workload?: 'queue' | 'none';
  acks: 1 | 'all';
  idempotent: boolean;
  minInsync: number;
  rate: number;
  out: string;
  replay?: string;
  commandTimeout: number;
}

const DEFAULT_NEMESIS: NemesisKind[] = ['kill', 'pause', 'isolate', 'leader', 'partition-halves'];

export function registerChaos(program: Command): void {
  program
    .command('chaos')
    .description('run a seeded nemesis against a cluster while a workload (or your own command) runs, then check what survived')
    .argument('[command...]', 'your own command to run against the cluster while the faults run (after --)')
    .option('--duration <time>', 'how long the faults go on (e.g. 60s, 2m)', asArgument(parseDuration), 60_000)
    .option('--seed <n>', 'the seed the schedule is drawn from (default: random, printed)', integerParser(0, 2 ** 31 - 1))
    .option('--nemesis <kinds>', `faults to draw from, comma-separated: ${NEMESIS_KINDS.join(',')}`, parseNemesis, DEFAULT_NEMESIS)
    .option('--interval <range>', 'quiet time between faults (e.g. 2s..6s)', asArgument(parseDurationRange), [2_000, 6_000] as [number, number])
    .option('--fault-length <range>', 'how long each fault lasts (e.g. 1s..4s)', asArgument(parseDurationRange), [1_000, 4_000] as [number, number])
    .option('--workload <kind>', 'queue (produce, consume, check) or none (only faults); default: queue, none with a command', parseWorkload)
    .option('--acks <acks>', 'the workload producers\' acks: all or 1', parseChaosAcks, 'all' as const)
    .option('--idempotent <on|off>', 'the idempotent producer', parseOnOff, true)
    .option('--min-insync <n>', "the workload topic's min.insync.replicas", integerParser(1, 3), 2)
    .option('--rate <n>', 'values per second the workload sends', integerParser(1, 100_000), 1_000)
    .option('--out <dir>', 'where chaos-<seed>/ is written', '.')
    .option('--replay <dir>', 'run the schedule (and settings) recorded in a chaos-<seed>/ directory again')
    .option('--command-timeout <time>', 'stop your command if it runs longer', asArgument(parseDuration), 600_000)
    .addHelpText(
      'after',
      `\nExamples:\n  brokerlab chaos --duration 30s --seed 7\n  brokerlab chaos --acks 1 --nemesis leader\n  brokerlab chaos --replay chaos-7/\n  brokerlab chaos --dir .brokerlab --nemesis leader -- npm test`,
    )
    .action(async (argv: string[], flags: ChaosFlags, command: Command) => chaos(argv, flags, command));
}

function asArgument<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (e) {
      throw new InvalidArgumentError(e instanceof Error ? `${e.message}.` : String(e));
    }
  };
}

function parseNemesis(value: string): NemesisKind[] {
  const kinds = value.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !NEMESIS_KINDS.includes(k as NemesisKind));
  if (unknown.length > 0 || kinds.length === 0) throw new InvalidArgumentError(`Unknown nemesis ${unknown.join(',')}; choose from ${NEMESIS_KINDS.join(',')}.`);
  return [...new Set(kinds)] as NemesisKind[];
}

function parseWorkload(value: string): 'queue' | 'none' {
  if (value !== 'queue' && value !== 'none') throw new InvalidArgumentError('Expected queue or none.');
  return value;
}

function parseChaosAcks(value: string): 1 | 'all' {
  if (value === 'all' || value === '-1') return 'all';
  if (value === '1') return 1;
  throw new InvalidArgumentError('Expected all or 1 (acks=0 tells nothing to check).');
}

function parseOnOff(value: string): boolean {
  if (value === 'on' || value === 'true') return true;
  if (value === 'off' || value === 'false') return false;
  throw new InvalidArgumentError('Expected on or off.');
}

async function chaos(argv: string[], flags: ChaosFlags, command: Command): Promise<void> {
  const replay = flags.replay !== undefined ? readSchedule(flags.replay) : undefined;
  const settings: ChaosRunSettings = {
    workload: flags.workload ?? (argv.length > 0 ? 'none' : 'queue'),
    acks: flags.acks,
    idempotent: flags.idempotent,
    minInsync: flags.minInsync,
    ratePerSecond: flags.rate,
  };
  if (replay) print(`replaying ${flags.replay}: its schedule and settings (seed ${replay.schedule.seed}); other flags are ignored`);
  // Only a run directory named explicitly is used: without --dir chaos never touches ./.brokerlab.
  const dir = (command.optsWithGlobals() as { dir?: string }).dir;
  const supervisor = dir !== undefined ? openCluster(command) : undefined;
  try {
    let cluster: LocalCluster | undefined;
    if (supervisor) {
      await supervisor.waitForReady(readyWaitMs(clusterTiming(supervisor.state)));
      cluster = new LocalCluster(supervisor, false);
    }
    const result = await runChaos({
      ...(cluster ? { cluster } : {}),
      ...(replay ? { replay } : {}),
      seed: flags.seed ?? Math.floor(Math.random() * 2 ** 31),
      durationMs: flags.duration,
      nemesis: flags.nemesis,
      intervalMs: flags.interval,
      faultMs: flags.faultLength,
      settings,
      outDir: flags.out,
      ...(argv.length > 0 ? { command: argv } : {}),
      commandTimeoutMs: flags.commandTimeout,
      print,
    });
    process.exitCode = result.exitCode;
  } finally {
    supervisor?.close();
  }
}
