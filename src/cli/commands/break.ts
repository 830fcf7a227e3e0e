/**
 * The fault verbs: kill, stop, start, restart, pause, resume, isolate, partition, heal, delay. Each fault is
 * described with the shared model (src/common/faults.ts) and carried out by the supervisor's
 * fault injection, as `startCluster()` and the scenarios do; start, resume and heal undo them.
 * Each verb says what it did, then (unless --no-wait) watches for a bounded time what the
 * cluster did about it.
 */
import type { Command } from 'commander';
import {
  clusterTiming,
  departureWaitMs,
  healNodes,
  observeDeparture,
  observeReturn,
  returnWaitMs,
  tailOfFile,
  type ClusterStatus,
  type Supervisor,
} from '../../../cluster/index.js';
import { applyFault, startNodeAgain, undoFault } from '../../../cluster/fault-injection.js';
import { describeFault, fault } from '../../common/faults.js';
import { CliError } from '../errors.js';
import { print, withCluster } from '../context.js';
import { parseNodeId, parseNodeList, parseNonNegative } from '../options.js';
import { renderDeparture, renderFaultPush, renderReturn } from '../render/reaction-view.js';

interface WaitFlag {
  wait: boolean;
}

/** `--clients`: the fault strikes the node's clients (Kafka and gRPC), not its peers. */
interface ClientsFlag {
  clients?: boolean;
}

type NodeVerb = (supervisor: Supervisor, id: number, options: WaitFlag) => Promise<void>;

export function registerBreakVerbs(program: Command): void {
  nodeVerb(program, 'kill', 'SIGKILL node N (a crash) and report which leaders moved', kill);
  nodeVerb(program, 'stop', 'SIGTERM node N (controlled shutdown) and wait for it to exit', stop);
  nodeVerb(program, 'start', 'start node N again and report when it has rejoined', start);
  nodeVerb(program, 'restart', 'stop node N (controlled shutdown), then start it', restart);
  nodeVerb(program, 'pause', 'SIGSTOP node N: it freezes without dying', pause);
  nodeVerb(program, 'resume', 'SIGCONT a paused node N', resume);
  program
    .command('isolate')
    .argument('<N>', 'node id', parseNodeId)
    .description('cut node N off the network, both directions (its peers drop its traffic too); with --clients, cut off its clients instead')
    .option('--clients', 'reset and refuse N\'s client connections (Kafka and gRPC) while its peer traffic goes on')
    .option('--no-wait', 'do not wait for the cluster to react')
    .action(async (id: number, options: WaitFlag & ClientsFlag, command: Command) =>
      withCluster(command, (s) => (options.clients ? isolateClients(s, id) : isolate(s, id, options))),
    );
  program
    .command('partition')
    .argument('<SIDE>', 'node ids of one side, comma-separated, e.g. 1 or 1,2', parseNodeList)
    .argument('[OTHERS]', 'node ids of the other side (default: every other node)', parseNodeList)
    .description('split the network in two: no node of SIDE reaches any node of OTHERS, both directions (heal undoes it)')
    .action(async (side: number[], others: number[] | undefined, _options: unknown, command: Command) =>
      withCluster(command, (s) => partition(s, side, others)),
    );
  program
    .command('heal')
    .argument('[N]', 'node id (default: every node)', parseNodeId)
    .description('remove the network faults of node N (and every partition it is on), or of every node')
    .option('--no-wait', 'do not wait for the cluster to react')
    .action(async (id: number | undefined, options: WaitFlag, command: Command) =>
      withCluster(command, (s) => heal(s, id, options)),
    );
  program
    .command('delay')
    .argument('<N>', 'node id', parseNodeId)
    .description('delay every message node N sends by --ms milliseconds (0 removes the delay); with --clients, its answers to clients instead')
    .requiredOption('--ms <ms>', 'delay in milliseconds', parseNonNegative)
    .option('--clients', 'delay what N answers its clients (Kafka and gRPC), not what it sends its peers')
    .action(async (id: number, options: { ms: number } & ClientsFlag, command: Command) =>
      withCluster(command, (s) => delay(s, id, options.ms, options.clients === true)),
    );
}

function nodeVerb(program: Command, name: string, description: string, verb: NodeVerb): void {
  program
    .command(name)
    .argument('<N>', 'node id', parseNodeId)
    .description(description)
    .option('--no-wait', 'do not wait for the cluster to react')
    .action(async (id: number, options: WaitFlag, command: Command) => withCluster(command, (s) => verb(s, id, options)));
}

async function statusBefore(supervisor: Supervisor): Promise<ClusterStatus> {
  return supervisor.status();
}

async function reportDeparture(supervisor: Supervisor, id: number, before: ClusterStatus, startedAt: number): Promise<void> {
  const waitMs = departureWaitMs(clusterTiming(supervisor.state));
  const report = await observeDeparture(() => supervisor.status(), id, before, startedAt, waitMs);
  print(report.complete ? 'the cluster reacted:' : `the cluster had not finished reacting after ${report.waitedMs} ms:`);
  for (const line of renderDeparture(report)) print(line);
}

async function reportReturn(supervisor: Supervisor, id: number, startedAt: number): Promise<void> {
  const waitMs = returnWaitMs(clusterTiming(supervisor.state));
  const report = await observeReturn(() => supervisor.status(), id, startedAt, waitMs);
  for (const line of renderReturn(report)) print(line);
  if (report.exited) {
    const tail = tailOfFile(supervisor.node(id).outFile, 8);
    if (tail) print(tail.replace(/^/gm, '    | '));
    throw new CliError(`node ${id} did not stay up`);
  }
}

function requireRunning(supervisor: Supervisor, id: number, verb: string): void {
  const state = supervisor.processState(id);
  if (state === 'dead') throw new CliError(`cannot ${verb} node ${id}: it is not running (brokerlab start ${id})`);
}

async function kill(supervisor: Supervisor, id: number, options: WaitFlag): Promise<void> {
  supervisor.node(id);
  if (supervisor.processState(id) === 'dead') {
    print(`node ${id} is not running; nothing to kill`);
    return;
  }
  const before = options.wait ? await statusBefore(supervisor) : undefined;
  const startedAt = Date.now();
  const pid = supervisor.node(id).pid;
  await applyFault(supervisor, fault.kill(id));
  print(`killed node ${id} (SIGKILL, pid ${pid})`);
  if (before) await reportDeparture(supervisor, id, before, startedAt);
}

async function stop(supervisor: Supervisor, id: number, options: WaitFlag): Promise<void> {
  supervisor.node(id);
  if (supervisor.processState(id) === 'dead') {
    print(`node ${id} is not running; nothing to stop`);
    return;
  }
  const before = options.wait ? await statusBefore(supervisor) : undefined;
  const startedAt = Date.now();
  // Watch while it shuts down: a controlled shutdown moves the leaders before the process exits.
  const watching = before ? observeDeparture(() => supervisor.status(), id, before, startedAt, departureWaitMs(clusterTiming(supervisor.state))) : undefined;
  const outcome = await supervisor.stopNode(id);
  if (outcome) {
    print(`stopped node ${id}: ${outcome.graceful ? 'controlled shutdown' : 'no exit after SIGTERM, killed'} in ${outcome.elapsedMs} ms`);
  }
  if (watching) {
    const report = await watching;
    print(report.complete ? 'the cluster reacted:' : `the cluster had not finished reacting after ${report.waitedMs} ms:`);
    for (const line of renderDeparture(report)) print(line);
  }
}

async function start(supervisor: Supervisor, id: number, options: WaitFlag): Promise<void> {
  const startedAt = Date.now();
  const { pid, started, pushed } = await startNodeAgain(supervisor, id);
  print(started ? `started node ${id} (pid ${pid})` : `node ${id} is already running (pid ${pid})`);
  if (!started) return;
  if (pushed.applied.length > 0 || pushed.unreachable.length > 0) for (const line of renderFaultPush(pushed)) print(line);
  if (options.wait) await reportReturn(supervisor, id, startedAt);
}

async function restart(supervisor: Supervisor, id: number, options: WaitFlag): Promise<void> {
  await stop(supervisor, id, { wait: false });
  await start(supervisor, id, options);
}

async function pause(supervisor: Supervisor, id: number, options: WaitFlag): Promise<void> {
  requireRunning(supervisor, id, 'pause');
  if (supervisor.processState(id) === 'paused') {
    print(`node ${id} is already paused`);
    return;
  }
  const before = options.wait ? await statusBefore(supervisor) : undefined;
  const startedAt = Date.now();
  await applyFault(supervisor, fault.pause(id));
  print(`paused node ${id} (SIGSTOP); brokerlab resume ${id} lets it run again`);
  if (before) await reportDeparture(supervisor, id, before, startedAt);
}

async function resume(supervisor: Supervisor, id: number, options: WaitFlag): Promise<void> {
  requireRunning(supervisor, id, 'resume');
  if (supervisor.processState(id) !== 'paused') {
    print(`node ${id} is not paused`);
    return;
  }
  const startedAt = Date.now();
  await undoFault(supervisor, fault.pause(id));
  print(`resumed node ${id} (SIGCONT)`);
  if (options.wait) await reportReturn(supervisor, id, startedAt);
}

async function isolate(supervisor: Supervisor, id: number, options: WaitFlag): Promise<void> {
  requireRunning(supervisor, id, 'isolate');
  const before = options.wait ? await statusBefore(supervisor) : undefined;
  const startedAt = Date.now();
  const result = await applyFault(supervisor, fault.isolate(id));
  print(`isolated node ${id}: it drops all traffic to and from its peers, and they drop its traffic`);
  for (const line of renderFaultPush(result)) print(line);
  if (before) await reportDeparture(supervisor, id, before, startedAt);
}

async function partition(supervisor: Supervisor, side: readonly number[], given: readonly number[] | undefined): Promise<void> {
  for (const id of [...side, ...(given ?? [])]) supervisor.node(id);
  const others = given ?? supervisor.nodes.map((n) => n.id).filter((id) => !side.includes(id));
  if (others.length === 0) throw new CliError(`cannot partition {${side.join(',')}} from nobody: name the other side's nodes`);
  const shared = others.filter((id) => side.includes(id));
  if (shared.length > 0) throw new CliError(`node ${shared.join(',')} cannot be on both sides of a partition`);
  const cut = fault.partition(side, others);
  const result = await applyFault(supervisor, cut);
  print(`partitioned the network: ${describeFault(cut).replace(/^partition /, '')}; neither side reaches the other (brokerlab heal undoes it)`);
  for (const line of renderFaultPush(result)) print(line);
}

async function isolateClients(supervisor: Supervisor, id: number): Promise<void> {
  requireRunning(supervisor, id, 'isolate');
  const result = await applyFault(supervisor, fault.isolate(id, { clients: true }));
  print(`isolated node ${id} from its clients: client connections reset and refused, gRPC client calls fail UNAVAILABLE; its peers still reach it`);
  for (const line of renderFaultPush(result)) print(line);
}

async function heal(supervisor: Supervisor, id: number | undefined, options: WaitFlag): Promise<void> {
  if (id !== undefined) supervisor.node(id);
  const startedAt = Date.now();
  const result = await healNodes(supervisor, id);
  print(id === undefined ? 'healed every node' : `healed node ${id}`);
  for (const line of renderFaultPush(result)) print(line);
  if (options.wait && id !== undefined && supervisor.processState(id) === 'up') await reportReturn(supervisor, id, startedAt);
}

async function delay(supervisor: Supervisor, id: number, delayMs: number, clients: boolean): Promise<void> {
  requireRunning(supervisor, id, 'delay');
  const result = await applyFault(supervisor, fault.delay(id, delayMs, { clients }));
  if (clients) print(delayMs > 0 ? `node ${id} now delays every answer to its clients by ${delayMs} ms` : `removed the client delay of node ${id}`);
  else print(delayMs > 0 ? `node ${id} now delays everything it sends by ${delayMs} ms` : `removed the delay of node ${id}`);
  for (const line of renderFaultPush(result)) print(line);
}
