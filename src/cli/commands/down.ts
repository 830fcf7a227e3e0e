/** `brokerlab down [--purge]`: stop every node (controlled shutdown, bounded); --purge removes the run directory. */
import type { Command } from 'commander';
import { rmSync } from 'node:fs';
import { openCluster, print } from '../context.js';
import { parsePositive } from '../options.js';

export function registerDown(program: Command): void {
  program
    .command('down')
    .description('stop every node of the cluster; --purge also deletes its run directory (data and logs)')
    .option('--purge', 'remove the run directory after stopping')
    .option('--timeout <ms>', 'how long each node may take to shut down before SIGKILL', parsePositive)
    .action(async (options: { purge?: boolean; timeout?: number }, command: Command) => {
      const supervisor = openCluster(command);
      try {
        const outcomes = await supervisor.stopAll(options.timeout);
        for (const node of supervisor.nodes) {
          const outcome = outcomes.get(node.id);
          if (!outcome) print(`node ${node.id}: was not running`);
          else print(`node ${node.id}: ${outcome.graceful ? 'stopped (controlled shutdown)' : 'killed after the shutdown wait'} in ${outcome.elapsedMs} ms`);
        }
      } finally {
        supervisor.close();
      }
      if (options.purge) {
        // Only a directory that held a cluster.json gets here (openCluster checked), never an arbitrary path.
        rmSync(supervisor.runDir.root, { recursive: true, force: true });
        print(`removed ${supervisor.runDir.root}`);
      } else {
        print(`data kept in ${supervisor.runDir.root}; brokerlab up restarts the same cluster`);
      }
    });
}
