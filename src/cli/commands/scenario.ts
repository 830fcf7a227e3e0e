/**
 * `brokerlab scenario NAME [--scale small|full]`: runs a lesson on a temporary cluster, or with
 * --dir on the cluster in that run directory (left running, every injected fault undone), prints
 * what it measured, and exits non-zero if the lesson did not hold.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { clusterTiming, LocalCluster, readyWaitMs } from '../../../cluster/index.js';
import { findScenario, runScenario, SCENARIOS, undoActiveFaults, type Scale } from '../../scenarios/index.js';
import { openCluster, print } from '../context.js';
import { usageError } from '../errors.js';

interface ScenarioFlags {
  scale: Scale;
}

/** How long an interrupted run may spend resuming, undelaying and restarting nodes. */
const UNDO_ON_INTERRUPT_MS = 20_000;

export function registerScenario(program: Command): void {
  const list = SCENARIOS.map((s) => `  ${s.name.padEnd(13)} ${s.summary}`).join('\n');
  program
    .command('scenario')
    .argument('<name>', `one of: ${SCENARIOS.map((s) => s.name).join(', ')}`)
    .description('run a lesson on a temporary cluster (or, with --dir, on that running cluster) and check that it holds')
    .option('--scale <scale>', 'small (shorter, fewer messages) or full', parseScale, 'full' as Scale)
    .addHelpText('after', `\nScenarios:\n${list}`)
    .action(async (name: string, flags: ScenarioFlags, command: Command) => scenario(name, flags, command));
}

function parseScale(value: string): Scale {
  if (value !== 'small' && value !== 'full') throw new InvalidArgumentError('Expected small or full.');
  return value;
}

async function scenario(name: string, flags: ScenarioFlags, command: Command): Promise<void> {
  const chosen = findScenario(name);
  if (!chosen) throw usageError(`unknown scenario "${name}"; choose one of: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  // Only a run directory named explicitly is used: without --dir the scenario never touches ./.brokerlab.
  const dir = (command.optsWithGlobals() as { dir?: string }).dir;
  const supervisor = dir !== undefined ? openCluster(command) : undefined;
  const stopOnInterrupt = onInterrupt(supervisor !== undefined);
  try {
    let cluster: LocalCluster | undefined;
    if (supervisor) {
      await supervisor.waitForReady(readyWaitMs(clusterTiming(supervisor.state)));
      cluster = new LocalCluster(supervisor, false);
    }
    const result = await runScenario(chosen, cluster ? { scale: flags.scale, print, cluster } : { scale: flags.scale, print });
    if (!result.holds) process.exitCode = 1;
  } finally {
    stopOnInterrupt();
    supervisor?.close();
  }
}

/**
 * Ctrl-C: on a cluster that outlives the run, undo the faults injected so far (a paused node must
 * not stay frozen), then exit; the nodes of a temporary cluster die with this process (exit hook).
 */
function onInterrupt(undoFaults: boolean): () => void {
  const handler = (): void => {
    if (!undoFaults) process.exit(130);
    print('\ninterrupted: undoing the faults injected so far...');
    const timer = setTimeout(() => process.exit(130), UNDO_ON_INTERRUPT_MS);
    void undoActiveFaults().finally(() => {
      clearTimeout(timer);
      process.exit(130);
    });
  };
  process.once('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}
