/**
 * Failover under load on a real local cluster (3 node processes, fast profile by default): a steady
 * acks=all load on a partition with replication factor 3 and min.insync.replicas 2, then a SIGKILL
 * of its leader. Per run it measures the window from the kill to the first acknowledgement of a
 * write made by the new leader (the first acknowledged offset at or past where the new leader's
 * epoch starts in its own log), and, after the old leader returns, the acknowledged records
 * missing from the partition when read back (must be 0), and the brokers other than the killed
 * one that the controller fenced for an expired session (must be 0: a healthy broker is never
 * fenced under load). Each run uses a fresh topic in the same cluster; the figure is the median
 * over runs.
 *
 *   npm run bench -- failover [--runs 5] [--rate 2000] [--profile fast|kafka] [--retry-backoff-max-ms N]
 *
 * The producer keeps the client's default retry backoff (100 ms doubling to 1 s, as Kafka's
 * retry.backoff.ms / retry.backoff.max.ms) unless `--retry-backoff-max-ms` caps it lower.
 */
import { loadavg } from 'node:os';
import { startCluster, type LocalCluster } from '../cluster/index.js';
import { checkHistory, describeReport } from '../src/check/index.js';
import { finalPartition, readReplicaLog, SendLoad } from '../test/support/cluster-load.js';
import { sessionFences } from './_fences.js';
import { describeMachine, machineFigures, measureMachine } from './_machine.js';
import { median, printResult, round } from './_stats.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const runs = Number(option('runs', '5'));
const rate = Number(option('rate', '2000'));
const profile = option('profile', 'fast');
const retryBackoffMaxMs = process.argv.includes('--retry-backoff-max-ms') ? Number(option('retry-backoff-max-ms', '1000')) : undefined;

interface RunResult {
  windowMs: number;
  /** Until the cluster status first showed another leader (polled every 50 ms). */
  leaderSeenMs: number;
  killedWasController: boolean;
  acknowledged: number;
  lost: number;
  valid: boolean;
  /** Session-expiry fences of brokers that were not killed, during the run. */
  healthyFenced: number;
}

async function runOnce(cluster: LocalCluster, run: number): Promise<RunResult> {
  const topic = `failover-${run}`;
  const runStartedAt = Date.now();
  await cluster.createTopic(topic, { partitions: 1, replicationFactor: 3, minInsync: 2, timeoutMs: 30_000 });
  await cluster.waitForIsr(topic, 0, 3, 30_000);
  const load = new SendLoad({ bootstrapServers: cluster.bootstrapServers, topic, partition: 0, acks: 'all', senders: 4, valuesPerSend: 5, ratePerSecond: rate, prefix: `r${run}`, ...(retryBackoffMaxMs !== undefined ? { producer: { retryBackoffMaxMs } } : {}) });
  load.start();
  try {
    await load.waitForMoreAcks(Math.min(2_000, rate), 30_000);
    const status = await cluster.status();
    const before = status.partitions.find((p) => p.topic === topic)!;
    const killedWasController = status.activeController === before.leader;
    const killedEpoch = status.nodes.find((n) => n.id === before.leader)?.broker?.brokerEpoch;
    const killedAt = performance.now();
    await cluster.kill(before.leader);
    const newLeader = await cluster.waitForLeader(topic, 0, { not: before.leader, timeoutMs: 30_000 });
    const leaderSeenMs = performance.now() - killedAt;
    await load.waitForMoreAcks(Math.min(1_000, rate / 2), 30_000);
    await load.stop();

    const node = cluster.nodes.find((n) => n.id === newLeader)!;
    const epochStart = readReplicaLog(newLeader, node.dataDir, topic, 0).batches.find((b) => b.leaderEpoch > before.leaderEpoch)?.baseOffset;
    if (epochStart === undefined) throw new Error(`run ${run}: the new leader ${newLeader} wrote nothing in a new epoch`);
    const firstAck = load.acks.filter((a) => a.offset >= epochStart).reduce((min, a) => Math.min(min, a.atMs), Infinity);

    await cluster.start(before.leader);
    const final = await finalPartition(cluster, topic, 0, 3, 60_000);
    const report = checkHistory({ topic, sends: load.sends, polls: [], final: [final] });
    if (!report.valid) console.log(describeReport(report));
    const healthyFenced = sessionFences(cluster.dir, runStartedAt).filter((f) => !(f.broker === before.leader && f.brokerEpoch === killedEpoch));
    return {
      healthyFenced: healthyFenced.length,
      windowMs: firstAck - killedAt,
      leaderSeenMs,
      killedWasController,
      acknowledged: report.stats.acknowledgedValues,
      lost: report.lostWrites.length,
      valid: report.valid,
    };
  } finally {
    await load.stop();
  }
}

async function main(): Promise<void> {
  // Before the cluster starts, so its processes do not compete with the measurement.
  const machine = await measureMachine();
  const cluster = await startCluster({ nodes: 3, profile });
  const stopOnSignal = (): void => void cluster.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  console.log(
    `failover: 3 node processes (${profile} profile), RF 3, min.insync.replicas 2, acks=all load of ${rate} records/s (4 senders, 5 records/send), ` +
      `producer retry backoff max ${retryBackoffMaxMs ?? 1000} ms; SIGKILL the leader; ${runs} runs`,
  );
  try {
    const results: RunResult[] = [];
    for (let run = 1; run <= runs; run++) {
      const r = await runOnce(cluster, run);
      results.push(r);
      console.log(
        `  run ${run}: ${Math.round(r.windowMs)} ms from kill to the first ack from the new leader (leader visible in status after ${Math.round(r.leaderSeenMs)} ms)` +
          `${r.killedWasController ? ', the killed node was also the active controller' : ''}; ${r.acknowledged} acknowledged, ${r.lost} lost${r.valid ? '' : ', CHECK FAILED'}; ` +
          `${r.healthyFenced} healthy broker(s) fenced`,
      );
    }
    const figures = {
      profile,
      retryBackoffMaxMs: retryBackoffMaxMs ?? null,
      runs,
      rate,
      windowMedianMs: Math.round(median(results.map((r) => r.windowMs))),
      windowMaxMs: Math.round(Math.max(...results.map((r) => r.windowMs))),
      leaderSeenMedianMs: Math.round(median(results.map((r) => r.leaderSeenMs))),
      killedController: results.filter((r) => r.killedWasController).length,
      acknowledged: results.reduce((n, r) => n + r.acknowledged, 0),
      lost: results.reduce((n, r) => n + r.lost, 0),
      allChecksPassed: results.every((r) => r.valid),
      healthyBrokersFenced: results.reduce((n, r) => n + r.healthyFenced, 0),
    };
    console.log(
      `median window ${figures.windowMedianMs} ms (max ${figures.windowMaxMs} ms; target < 1000 ms with the fast profile); ` +
        `${figures.lost} of ${figures.acknowledged} acknowledged records lost; ${figures.healthyBrokersFenced} healthy broker(s) fenced for an expired session (target 0)`,
    );
    // A window in milliseconds has no ratio to a throughput; the limits say how fast the machine was.
    console.log(describeMachine(machine));
    console.log(`load average (1 min) at the end: ${round(loadavg()[0], 2)} on this machine`);
    printResult('failover', { loadAverage1m: round(loadavg()[0], 2), ...machineFigures(machine), ...figures });
  } finally {
    await cluster.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
