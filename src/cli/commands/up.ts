/**
 * `brokerlab up`: create (or restart) the cluster in the run directory, wait until it is ready,
 * print the Kafka bootstrap list, then either return (--detach) or stay in the foreground with a
 * live status view until Ctrl-C, which stops every node (SIGTERM, then SIGKILL after a bounded
 * wait). A new cluster's brokers listen for Kafka clients on 9092, 9093, ... when those are all
 * free, else on free ports (cluster/port-plan.ts has the whole rule).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  clusterTiming,
  metricsAddressOf,
  parseConfigAssignments,
  PROMETHEUS_TARGETS_FILE,
  readyWaitMs,
  RunDir,
  Supervisor,
  type ClusterNodeRecord,
  type NewClusterOptions,
} from '../../../cluster/index.js';
import { DEFAULT_DASHBOARD_PORT, startDashboard, type Dashboard } from '../../../cluster/dashboard/server.js';
import { createLogger } from '../../common/logger.js';
import { cliSupervisorOptions, dirFlagFor, print, runDirOf } from '../context.js';
import { startLiveView } from '../live-view.js';
import { collectAssignment, integerParser, parseInterval, parsePositive, parseProfile } from '../options.js';
import { renderStatus } from '../render/status-view.js';
import { wantsColour } from '../render/style.js';

export interface UpOptions {
  nodes?: number;
  controllers?: number;
  brokers?: number;
  profile?: 'fast' | 'kafka';
  portBase?: number;
  kafkaPortBase?: number;
  metricsPortBase?: number;
  config?: string[];
  detach?: boolean;
  timeout?: number;
  refresh: number;
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('start the local cluster (or restart the one in the run directory) and wait until it is ready')
    .option('--nodes <n>', 'number of nodes, each controller and broker (default 3)', integerParser(1, 64))
    .option('--controllers <n>', 'separate roles: controller-only nodes (ids 1..n); use with --brokers', integerParser(1, 64))
    .option('--brokers <n>', 'separate roles: broker-only nodes (ids after the controllers)', integerParser(1, 64))
    .option('--profile <name>', 'timing profile: fast or kafka (default fast)', parseProfile)
    .option('--port-base <port>', 'gRPC ports P, P+1, ... (and Kafka ports P+100, P+101, ...) instead of free ports', integerParser(1, 65535))
    .option('--kafka-port-base <port>', "the brokers' Kafka listener ports K, K+1, ... (0: free ports; default 9092, 9093, ... when all are free)", integerParser(0, 65535))
    .option('--metrics-port-base <port>', "each node's Prometheus /metrics port M, M+1, ... (0: free ports; default 9404, 9405, ... when all are free)", integerParser(0, 65535))
    .option('--config <key=value>', 'any node setting, e.g. replica.lag.time.max.ms=5000 (repeatable)', collectAssignment)
    .option('--detach', 'return once the cluster is ready and leave it running')
    .option('--timeout <ms>', 'how long to wait for the cluster to be ready', parsePositive)
    .option('--refresh <ms>', 'live view refresh interval', parseInterval, 1000)
    .action(async (options: UpOptions, command: Command) => up(options, command));
}

async function up(options: UpOptions, command: Command): Promise<void> {
  const dir = runDirOf(command);
  const detach = options.detach === true;
  const supervisorOptions = cliSupervisorOptions(!detach);
  const existing = new RunDir(dir).hasCluster();
  let supervisor: Supervisor;
  if (existing) {
    supervisor = Supervisor.open(dir, supervisorOptions);
    noteIgnoredFlags(options, supervisor);
  } else {
    supervisor = await Supervisor.create(dir, newClusterOptions(options), supervisorOptions);
  }

  const started = Date.now();
  const startedIds = await supervisor.startAll();
  const verb = startedIds.length === 0 ? 'already running' : existing ? 'restarted' : 'started';
  try {
    await supervisor.waitForReady(options.timeout ?? readyWaitMs(clusterTiming(supervisor.state)), true);
  } catch (e) {
    // Leave nothing half-started behind a failed `up`.
    await supervisor.stopAll(2000);
    supervisor.close();
    throw e;
  }
  printReady(supervisor, verb, Date.now() - started, dir);
  if (detach) {
    supervisor.close();
    return;
  }
  await runForeground(supervisor, options.refresh);
}

/** A new cluster from `up`'s flags: unlike startCluster's, its brokers try Kafka's 9092, 9093, ... first. */
export function newClusterOptions(options: Omit<UpOptions, 'refresh'>): NewClusterOptions {
  const cluster: NewClusterOptions = { preferDefaultKafkaPorts: true, preferDefaultMetricsPorts: true };
  if (options.nodes !== undefined) cluster.nodes = options.nodes;
  if (options.controllers !== undefined) cluster.controllers = options.controllers;
  if (options.brokers !== undefined) cluster.brokers = options.brokers;
  if (options.profile !== undefined) cluster.profile = options.profile;
  if (options.portBase !== undefined) cluster.portBase = options.portBase;
  if (options.kafkaPortBase !== undefined) cluster.kafkaPortBase = options.kafkaPortBase;
  if (options.metricsPortBase !== undefined) cluster.metricsPortBase = options.metricsPortBase;
  if (options.config) cluster.config = parseConfigAssignments(options.config);
  return cluster;
}

function noteIgnoredFlags(options: UpOptions, supervisor: Supervisor): void {
  const given = (['nodes', 'controllers', 'brokers', 'profile', 'portBase', 'kafkaPortBase', 'metricsPortBase', 'config'] as const).filter((k) => options[k] !== undefined);
  if (given.length === 0) return;
  const flags = given.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
  process.stderr.write(
    `note: ${supervisor.runDir.root} already holds a cluster (${supervisor.nodes.length} nodes); ignoring ${flags}. ` +
      `To start afresh: brokerlab down --purge\n`,
  );
}

function printReady(supervisor: Supervisor, verb: string, elapsedMs: number, dir: string): void {
  for (const line of readyMessage(supervisor, verb, elapsedMs, dir)) print(line);
}

/** What `up` prints once the cluster is ready. */
export function readyMessage(
  supervisor: Pick<Supervisor, 'state' | 'kafkaBrokers' | 'bootstrapServers' | 'notes'> & { runDir: Pick<Supervisor['runDir'], 'logsDir'> },
  verb: string,
  elapsedMs: number,
  dir: string,
): string[] {
  const s = supervisor.state;
  const flag = dirFlagFor(dir);
  const roles = s.nodes.every((n) => n.roles.length === 2)
    ? s.nodes.length === 1
      ? '1 node, controller and broker'
      : `${s.nodes.length} nodes, each controller and broker`
    : `${s.nodes.filter((n) => n.roles.includes('controller')).length} controllers, ${s.nodes.filter((n) => n.roles.includes('broker')).length} brokers`;
  const lines = [`brokerlab: cluster ${verb} and ready in ${elapsedMs} ms (${roles}, profile ${s.profile})`];
  // The line a user copies into a Kafka client's bootstrap.servers; scripts can grep '^bootstrap: '.
  const kafka = supervisor.kafkaBrokers;
  if (kafka.length > 0) lines.push(`bootstrap: ${kafka.join(',')}`);
  else lines.push('  (no Kafka listeners: this cluster was created before brokers had one; brokerlab down --purge, then up)');
  for (const note of supervisor.notes) lines.push(`  note               ${note}`);
  lines.push(
    `  native client      ${supervisor.bootstrapServers.join(',')}  (gRPC, for brokerlab's own client)`,
    ...metricsLines(s.nodes, dir, flag),
    `  run directory      ${dir}`,
    `  logs               ${supervisor.runDir.logsDir}/node-N.log  (brokerlab logs N${flag})`,
    '  next:',
    `    brokerlab status${flag} --watch`,
    `    brokerlab dashboard${flag}     # a live web page with fault buttons, on http://127.0.0.1:8080/`,
    `    brokerlab metrics${flag}`,
    `    brokerlab topics create orders --partitions 6 --replication-factor 3 --min-insync 2${flag}`,
    `    brokerlab produce orders --acks all --count 10000${flag}`,
    `    brokerlab kill 2${flag}     # then: brokerlab start 2${flag}`,
    `    brokerlab down${flag}       # --purge also removes the run directory`,
  );
  return lines;
}

/** Where Prometheus scrapes each node, and the file_sd file naming them all. */
function metricsLines(nodes: readonly ClusterNodeRecord[], dir: string, flag: string): string[] {
  const addresses = nodes.flatMap((n) => {
    const address = metricsAddressOf(n);
    return address ? [address] : [];
  });
  if (addresses.length === 0) return [];
  return [
    `  metrics            ${addresses.map((a) => `http://${a}/metrics`).join(' ')}  (brokerlab metrics${flag})`,
    `  prometheus         file_sd_configs: ${join(dir, PROMETHEUS_TARGETS_FILE)}`,
  ];
}

async function runForeground(supervisor: Supervisor, refreshMs: number): Promise<void> {
  const tty = wantsColour();
  const dir = supervisor.runDir.root;
  const dashboard = await foregroundDashboard(dir);
  const dashboardLine = dashboard ? `dashboard: ${dashboard.url}  (live page with fault buttons)\n` : '';
  const view = startLiveView(
    async () => dashboardLine + renderStatus(await supervisor.status(), { tty, dir, profile: supervisor.state.profile }) + '\nCtrl-C stops the cluster\n',
    { intervalMs: refreshMs, tty, appendWhenPiped: false },
  );
  if (!tty && dashboard) print(dashboardLine.trimEnd());
  if (!tty) print('running in the foreground; Ctrl-C (or SIGTERM) stops every node');
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) {
        print('second interrupt: killing every node now');
        supervisor.killAllNow();
        process.exit(130);
      }
      stopping = true;
      view.stop();
      void dashboard?.close();
      print('\nstopping the cluster (controlled shutdown; Ctrl-C again to kill at once)...');
      void stopEverything(supervisor).then(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // A closed terminal must not leave the nodes running behind a dead supervisor.
    process.on('SIGHUP', onSignal);
  });
}

/**
 * While the cluster runs in the foreground (`npm start`), its dashboard is served too: on 8080
 * when free, else on a free port. A dashboard that cannot start costs a note, not the cluster.
 */
async function foregroundDashboard(dir: string): Promise<Dashboard | undefined> {
  const logger = createLogger({ level: process.env['BROKERLAB_LOG_LEVEL'] ?? 'warn', destination: process.stderr });
  for (const port of [DEFAULT_DASHBOARD_PORT, 0]) {
    try {
      return await startDashboard({ runDir: dir, port, supervisorOptions: cliSupervisorOptions(false), logger });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' && port !== 0) continue;
      print(`note: no dashboard (${e instanceof Error ? e.message : String(e)}); brokerlab dashboard${dirFlagFor(dir)} starts one`);
      return undefined;
    }
  }
  return undefined;
}

async function stopEverything(supervisor: Supervisor): Promise<void> {
  const outcomes = await supervisor.stopAll();
  for (const node of supervisor.nodes) {
    const outcome = outcomes.get(node.id);
    if (!outcome) print(`  node ${node.id}: was not running`);
    else print(`  node ${node.id}: ${outcome.graceful ? 'stopped' : 'killed after the shutdown wait'} in ${outcome.elapsedMs} ms`);
  }
  supervisor.close();
}
