/**
 * `brokerlab status [--watch [ms]] [--json]`: the cluster as its nodes report it. Exits non-zero
 * when no node answers, so scripts can tell a dead cluster from a live one.
 */
import type { Command } from 'commander';
import type { ClusterStatus, Supervisor } from '../../../cluster/index.js';
import { CliError } from '../errors.js';
import { openCluster, print } from '../context.js';
import { startLiveView } from '../live-view.js';
import { parseInterval } from '../options.js';
import { renderStatus } from '../render/status-view.js';
import { wantsColour } from '../render/style.js';

interface StatusOptions {
  watch?: number | true;
  json?: boolean;
}

export const DEFAULT_WATCH_INTERVAL_MS = 1000;

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show nodes, the active controller, and every partition: leader, ISR, high watermark, log end offsets')
    .option('--watch [ms]', `redraw every ms milliseconds (default ${DEFAULT_WATCH_INTERVAL_MS}) until Ctrl-C`, parseInterval)
    .option('--json', 'print the status as JSON (one line per snapshot with --watch)')
    .action(async (options: StatusOptions, command: Command) => {
      const supervisor = openCluster(command);
      try {
        if (options.watch !== undefined) await watch(supervisor, options);
        else await once(supervisor, options);
      } finally {
        supervisor.close();
      }
    });
}

export function statusAsJson(supervisor: Supervisor, status: ClusterStatus, pretty: boolean): string {
  // bootstrapServers: gRPC, for the native client; kafkaBrokers: the Kafka listeners. Each node
  // also carries its own kafkaAddress and kafkaPort.
  const document = {
    dir: supervisor.runDir.root,
    profile: supervisor.state.profile,
    bootstrapServers: supervisor.bootstrapServers,
    kafkaBrokers: supervisor.kafkaBrokers,
    ...status,
  };
  return pretty ? JSON.stringify(document, null, 2) : JSON.stringify(document);
}

async function once(supervisor: Supervisor, options: StatusOptions): Promise<void> {
  const status = await supervisor.status();
  if (options.json) print(statusAsJson(supervisor, status, true));
  else process.stdout.write(renderStatus(status, { tty: wantsColour(), dir: supervisor.runDir.root, profile: supervisor.state.profile }));
  if (!status.nodes.some((n) => n.reachable)) {
    throw new CliError(`no node of the cluster in ${supervisor.runDir.root} answered; is it running? (brokerlab up)`);
  }
}

async function watch(supervisor: Supervisor, options: StatusOptions): Promise<void> {
  const intervalMs = options.watch === true || options.watch === undefined ? DEFAULT_WATCH_INTERVAL_MS : options.watch;
  const tty = wantsColour() && !options.json;
  const view = startLiveView(
    async () => {
      const status = await supervisor.status();
      if (options.json) return `${statusAsJson(supervisor, status, false)}\n`;
      return renderStatus(status, { tty, dir: supervisor.runDir.root, profile: supervisor.state.profile });
    },
    { intervalMs, tty, appendWhenPiped: true },
  );
  await new Promise<void>((resolve) => {
    const done = () => {
      view.stop();
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
