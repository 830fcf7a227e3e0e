/**
 * One chaos run, start to verdict: on the cluster it is given (left running) or a temporary
 * 3-node cluster (stopped at the end), it draws or replays the fault schedule, starts the queue
 * workload and the user's command, lets the nemesis run, heals everything, gives the cluster a
 * quiet period, reads everything back, checks the history and writes the run's directory.
 */
import { randomBytes } from 'node:crypto';
import { startCluster, type LocalCluster } from '../../cluster/index.js';
import { followEvents, type ClusterEvent } from '../../cluster/events.js';
import { checkHistory, unavailability, type CheckReport, type PartitionAvailability } from '../check/index.js';
import { copyNodeLogs, makeRunDir, writeHistory, writeJson, writeSchedule, writeText, type ChaosRunSettings } from './artifacts.js';
import { runNemesis, type NemesisSummary } from './nemesis.js';
import { QueueWorkload, type FinalReadProblem } from './queue-workload.js';
import { describeStep, generateSchedule, type ChaosSchedule, type NemesisKind } from './schedule.js';
import { formatTimeline, Timeline } from './timeline.js';
import { describeCommandResult, UserCommand, type UserCommandResult } from './user-command.js';
import { formatRows, judgeChaosRun, type ChaosVerdict } from './verdict.js';

export interface ChaosOptions {
  /** A running cluster to use; a temporary 3-node one is started (and stopped) when absent. */
  readonly cluster?: LocalCluster;
  /** A schedule to replay instead of drawing one (with the settings it was run with). */
  readonly replay?: { readonly schedule: ChaosSchedule; readonly settings: ChaosRunSettings };
  readonly seed: number;
  readonly durationMs: number;
  readonly nemesis: readonly NemesisKind[];
  readonly intervalMs: readonly [number, number];
  readonly faultMs: readonly [number, number];
  readonly settings: ChaosRunSettings;
  /** Partitions of the workload's topic. */
  readonly partitions?: number;
  /** Where `chaos-<seed>/` goes. */
  readonly outDir: string;
  /** The user's command, run while the nemesis runs. */
  readonly command?: readonly string[];
  readonly commandTimeoutMs?: number;
  /** After the faults: the workload keeps going this long before it stops and everything is read back. */
  readonly quietMs?: number;
  readonly print?: (line: string) => void;
}

export interface ChaosResult {
  readonly runDir: string;
  readonly seed: number;
  readonly schedule: ChaosSchedule;
  readonly nemesis: NemesisSummary;
  /** Absent with `--workload none`. */
  readonly verdict?: ChaosVerdict;
  readonly report?: CheckReport;
  readonly availability?: readonly PartitionAvailability[];
  readonly finalProblems?: readonly FinalReadProblem[];
  readonly command?: UserCommandResult;
  /** 0 when the guarantees held and the user's command (if any) succeeded. */
  readonly exitCode: number;
}

const QUEUE_PARTITIONS = 3;
const UNAVAILABILITY_THRESHOLD_MS = 250;

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const print = options.print ?? (() => undefined);
  let cluster = options.cluster;
  const temporary = cluster === undefined;
  if (!cluster) {
    print('starting a temporary 3-node cluster...');
    cluster = await startCluster({ nodes: 3 });
  }
  try {
    return await runOn(cluster, options, print);
  } finally {
    if (temporary) await cluster.stop();
  }
}

async function runOn(cluster: LocalCluster, options: ChaosOptions, print: (line: string) => void): Promise<ChaosResult> {
  const settings = options.replay?.settings ?? options.settings;
  const partitions = options.replay?.schedule.partitions ?? options.partitions ?? QUEUE_PARTITIONS;
  const brokers = cluster.nodes.filter((n) => n.roles.includes('broker'));
  const schedule =
    options.replay?.schedule ??
    generateSchedule({
      seed: options.seed,
      durationMs: options.durationMs,
      nemesis: options.nemesis,
      intervalMs: options.intervalMs,
      faultMs: options.faultMs,
      nodes: cluster.nodes.map((n) => n.id),
      partitions,
    });
  const runDir = makeRunDir(options.outDir, schedule.seed);
  writeSchedule(runDir, { settings, schedule });
  const timeline = new Timeline(print);
  timeline.record(
    'run',
    `seed ${schedule.seed}${options.replay ? ' (replay)' : ''}: ${schedule.steps.length} faults over ${schedule.durationMs} ms from {${schedule.nemesis.join(',')}}; ` +
      `workload ${settings.workload}, acks=${settings.acks}, idempotent ${settings.idempotent ? 'on' : 'off'}, min.insync.replicas ${settings.minInsync}`,
  );
  for (const step of schedule.steps) timeline.record('run', `  planned at +${(step.atMs / 1000).toFixed(1)}s: ${describeStep(step)}`);
  timeline.record('run', `writing to ${runDir}`);

  const replicationFactor = Math.min(3, brokers.length);
  const topic = `chaos-${schedule.seed}-${randomBytes(2).toString('hex')}`;
  let workload: QueueWorkload | undefined;
  if (settings.workload === 'queue') {
    await cluster.createTopic(topic, { partitions, replicationFactor, minInsync: Math.min(settings.minInsync, replicationFactor) });
    workload = new QueueWorkload(cluster, {
      topic,
      partitions,
      replicationFactor,
      acks: settings.acks,
      idempotent: settings.idempotent,
      ratePerSecond: settings.ratePerSecond,
      groupId: `${topic}-group`,
    });
    workload.start();
    timeline.record('workload', `queue workload on ${topic}: ${partitions} partitions, RF ${replicationFactor}, ${settings.ratePerSecond} values/s, a reader and a group of two committing by hand`);
  }
  const workloadStartedAt = performance.now();

  const abort = new AbortController();
  let command: UserCommand | undefined;
  if (options.command && options.command.length > 0) {
    command = new UserCommand({
      argv: options.command,
      kafkaBootstrap: cluster.kafkaBrokers,
      brokerlabBootstrap: cluster.bootstrapServers,
      timeoutMs: options.commandTimeoutMs ?? 10 * 60_000,
    });
    timeline.record('command', `started '${options.command.join(' ')}' with KAFKA_BOOTSTRAP_SERVERS=${cluster.kafkaBrokers.join(',')}`);
    void command.done.then((r) => {
      timeline.record('command', describeCommandResult(options.command!, r));
      abort.abort();
    });
  }

  // The cluster's own account (fencing, elections, ISR changes with their reasons) joins the
  // timeline as the nodes log it.
  const stopEvents = new AbortController();
  const following = followEvents(cluster.dir, (e) => {
    if (concernsRun(e, workload ? topic : undefined)) timeline.record('event', `node ${e.node} ${e.kind}: ${e.text}`, { atMs: e.atMs - timeline.startedAtEpochMs });
  }, { signal: stopEvents.signal, backlog: false, intervalMs: 200 });

  const onInterrupt = (): void => {
    timeline.record('run', 'interrupted: healing everything');
    abort.abort();
    command?.stop();
  };
  process.once('SIGINT', onInterrupt);
  let nemesis: NemesisSummary;
  try {
    nemesis = await runNemesis(cluster, schedule, { topic, timeline, signal: abort.signal });
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
  timeline.record('run', `faults over: ${nemesis.injected} injected${nemesis.skipped.length > 0 ? `, ${nemesis.skipped.length} skipped` : ''}; every node healed and running`);

  const commandResult = command ? await command.done : undefined;
  let verdict: ChaosVerdict | undefined;
  let report: CheckReport | undefined;
  let availability: PartitionAvailability[] | undefined;
  let finalProblems: FinalReadProblem[] | undefined;
  if (workload) {
    const quietMs = options.quietMs ?? 3_000;
    timeline.record('workload', `quiet period: ${quietMs} ms of load on a whole cluster`);
    await new Promise((r) => setTimeout(r, quietMs));
    await workload.stopProducing();
    const producingEndedAt = performance.now();
    timeline.record('workload', `producers stopped: ${workload.acknowledgedValues} values acknowledged; reading everything back`);
    const { final, problems } = await workload.readFinal(30_000);
    await workload.drainAndStopConsumers(final, 10_000);
    finalProblems = problems;
    for (const p of problems) timeline.record('workload', `partition ${p.partition} could not be read back: ${p.reason}`);
    const history = workload.history(final);
    report = checkHistory(history);
    availability = unavailability(history.sends, workloadStartedAt, producingEndedAt, UNAVAILABILITY_THRESHOLD_MS, Array.from({ length: partitions }, (_, i) => i));
    verdict = judgeChaosRun(report, availability, { injected: nemesis.injected, skipped: nemesis.skipped.length }, settings);
    writeHistory(runDir, history, (ms) => timeline.runTimeOf(ms));
    const windows = availability.flatMap((p) => p.windows.map((w) => ({ ...w, fromMs: timeline.runTimeOf(w.fromMs), toMs: timeline.runTimeOf(w.toMs) })));
    writeJson(runDir, 'report.json', { verdict, check: report, availability, windows, finalProblems: problems, consumerErrors: workload.consumerErrors() });
  }
  stopEvents.abort();
  await following.catch(() => undefined);
  timeline.record('run', 'done');
  writeText(runDir, 'timeline.txt', formatTimeline(timeline.entries));
  const missingLogs = copyNodeLogs(runDir, cluster.nodes);

  const commandFailed = commandResult !== undefined && commandResult.code !== 0;
  const exitCode = (verdict && !verdict.holds) || commandFailed ? 1 : 0;
  printSummary(print, { runDir, seed: schedule.seed, verdict, commandResult, command: options.command, missingLogs, exitCode });
  return {
    runDir,
    seed: schedule.seed,
    schedule,
    nemesis,
    exitCode,
    ...(verdict ? { verdict } : {}),
    ...(report ? { report } : {}),
    ...(availability ? { availability } : {}),
    ...(finalProblems ? { finalProblems } : {}),
    ...(commandResult ? { command: commandResult } : {}),
  };
}

/**
 * Broker and controller events, and partition events of the workload's topic (without a workload:
 * of every topic the user made), not of the offsets topic's many partitions.
 */
function concernsRun(e: ClusterEvent, topic: string | undefined): boolean {
  const eventTopic = e.fields['topic'];
  if (typeof eventTopic === 'string') return topic === undefined ? !eventTopic.startsWith('__') : eventTopic === topic;
  if (e.kind === 'group-rebalanced' && topic !== undefined) return e.fields['group'] === `${topic}-group`;
  return true;
}

function printSummary(
  print: (line: string) => void,
  r: { runDir: string; seed: number; verdict: ChaosVerdict | undefined; commandResult: UserCommandResult | undefined; command: readonly string[] | undefined; missingLogs: string[]; exitCode: number },
): void {
  print('');
  if (r.verdict) {
    print('summary');
    for (const line of formatRows(r.verdict.rows)) print(line);
    for (const note of r.verdict.notes) print(`note: ${note}`);
    for (const v of r.verdict.violations) print(`VIOLATION: ${v}`);
  }
  if (r.commandResult && r.command) print(`your command: ${describeCommandResult(r.command, r.commandResult)}`);
  if (r.missingLogs.length > 0) print(`could not copy the logs of ${r.missingLogs.join(', ')}`);
  print(`run directory: ${r.runDir} (schedule.json, history.jsonl, report.json, timeline.txt, logs/)`);
  if (r.exitCode === 0) {
    print(r.verdict ? 'verdict: the guarantees of these settings held' : 'verdict: done (no workload to check)');
  } else {
    print(r.verdict && !r.verdict.holds ? 'verdict: FAILED, the guarantees of these settings did not hold' : 'verdict: FAILED, your command did not succeed');
    print(`seed ${r.seed}; replay the same faults with: brokerlab chaos --replay ${r.runDir}`);
  }
}
