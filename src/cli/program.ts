/** The `brokerlab` command line: every verb registered on one commander program. */
import { Command } from 'commander';
import { registerBreakVerbs } from './commands/break.js';
import { registerChaos } from './commands/chaos.js';
import { registerConsume } from './commands/consume.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerGroups } from './commands/groups.js';
import { registerProduce } from './commands/produce.js';
import { registerScenario } from './commands/scenario.js';
import { registerTopics } from './commands/topics.js';
import { registerDown } from './commands/down.js';
import { registerLogs } from './commands/logs.js';
import { registerEvents } from './commands/events.js';
import { registerMetrics } from './commands/metrics.js';
import { registerNode } from './commands/node.js';
import { registerStatus } from './commands/status.js';
import { registerUp } from './commands/up.js';

export function buildProgram(): Command {
  const program = new Command('brokerlab')
    .description('a Kafka-like replicated log cluster on your own machine: launch it, watch it, break it')
    .option('--dir <dir>', 'run directory of the local cluster (default: $BROKERLAB_DIR or ./.brokerlab)')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false });
  registerUp(program);
  registerDown(program);
  registerStatus(program);
  registerLogs(program);
  registerEvents(program);
  registerMetrics(program);
  registerDashboard(program);
  registerBreakVerbs(program);
  registerTopics(program);
  registerProduce(program);
  registerConsume(program);
  registerGroups(program);
  registerScenario(program);
  registerChaos(program);
  registerNode(program);
  return program;
}
