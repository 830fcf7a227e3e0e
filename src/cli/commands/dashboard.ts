/**
 * `brokerlab dashboard [--port P] [--host H]`: a live web page of the cluster in the run directory
 * (nodes, partitions, throughput, consumer lag, the event log, a button per fault) served until
 * Ctrl-C. Nodes it starts again are detached like the CLI's, so they outlive the dashboard.
 */
import type { Command } from 'commander';
import { DEFAULT_DASHBOARD_PORT, startDashboard } from '../../../cluster/dashboard/server.js';
import { createLogger } from '../../common/logger.js';
import { CliError } from '../errors.js';
import { cliSupervisorOptions, openCluster, print, runDirOf } from '../context.js';
import { integerParser } from '../options.js';

interface DashboardOptions {
  port: number;
  host: string;
  interval: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('serve a live web page of the cluster: nodes, partitions (leader, ISR, HW, LEO, lag), rates, events, fault buttons')
    .option('--port <port>', 'port to listen on (0: a free port)', integerParser(0, 65535), DEFAULT_DASHBOARD_PORT)
    .option('--host <host>', 'address to listen on; anyone who reaches it can kill nodes', '127.0.0.1')
    .option('--interval <ms>', 'how often the page is updated', integerParser(200, 60_000), 1000)
    .action(async (options: DashboardOptions, command: Command) => {
      // Fails here, with the usual message, when the run directory holds no cluster.
      openCluster(command).close();
      const dir = runDirOf(command);
      // Server logs go to stderr as pino JSON; warnings and errors only unless asked for more.
      const logger = createLogger({ level: process.env['BROKERLAB_LOG_LEVEL'] ?? 'warn', destination: process.stderr });
      const dashboard = await startDashboard({
        runDir: dir,
        port: options.port,
        host: options.host,
        intervalMs: options.interval,
        supervisorOptions: cliSupervisorOptions(false),
        logger,
      }).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE') throw new CliError(`port ${options.port} on ${options.host} is in use; pick another with --port (0: any free port)`);
        throw e;
      });
      print(`dashboard: ${dashboard.url}  (cluster in ${dir}; Ctrl-C stops the dashboard, not the cluster)`);
      if (!LOOPBACK.has(options.host)) print(`warning: listening on ${options.host}: anyone who reaches it can kill this cluster's nodes`);
      await new Promise<void>((resolve) => {
        const onSignal = () => void dashboard.close().then(resolve);
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
    });
}
