/**
 * acks=all produce throughput and latency on a real local cluster: 3 node processes (startCluster,
 * fast profile), one topic with replication factor 3, min.insync.replicas 2 and a few partitions,
 * and one producer in its own node process (bench/_producer-process.ts) sending 100-byte records.
 * Two measurements, each the median of several runs:
 * - full load: as many records as a bounded window in flight allows; records/s, MB/s of payload,
 *   and p50/p99 latency of each send call (many records per send);
 * - fixed rate (5,000 records/s by default): one record per send; p50/p99 ack latency.
 *
 *   npm run bench -- produce [--runs 3] [--seconds 5] [--partitions 3] [--rate 5000 (0: skip)]
 *                            [--batch-bytes 1000000] [--linger-ms 20] [--records-per-send 1000] [--window 100000]
 *                            [--rate-linger-ms 5] [--acks -1 (all) | 1 | 0]
 *
 * Full load uses large batches (batch.size about 1 MB, linger 20 ms): per-batch costs (gRPC
 * messages, appends, fetch round trips) dominate on two cores. The window of records in flight
 * sets the full-load latency (Little's law: window / throughput), so that latency says little about
 * the cluster; the fixed-rate latency is the one to compare. The fixed rate uses linger 5 ms
 * (Kafka 4.0's default).
 *
 * Set BROKERLAB_BENCH_PROFILE_DIR to write CPU profiles of every node process and of the producer
 * there (bench/_cpu-profile-hook.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadavg } from 'node:os';
import { startCluster, type LocalCluster } from '../cluster/index.js';
import { describeMachine, machineFigures, measureMachine, percentOf } from './_machine.js';
import { option, produceBenchOptions, runNativeProducer, type ProducerRunResult } from './_native-producer.js';
import { median, printResult, round } from './_stats.js';

const { runs, seconds, partitions, rate, batchSizeBytes, lingerMs, recordsPerSend, windowRecords, rateLingerMs } = produceBenchOptions();
/** acks=all by default; `--acks 1` shows what the followers' round trips add to the latency. */
const acks = option('acks', -1);
if (acks !== -1 && acks !== 0 && acks !== 1) throw new Error(`--acks must be -1 (all), 0 or 1, got ${acks}`);
const acksName = acks === -1 ? 'all' : String(acks);
const RECORD_BYTES = 100;
const TOPIC = 'bench-produce';
const profileDir = process.env['BROKERLAB_BENCH_PROFILE_DIR'];

const benchDir = dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    // Every node process started from here (nodes, the producer) inherits NODE_OPTIONS.
    process.env['NODE_OPTIONS'] = `${process.env['NODE_OPTIONS'] ?? ''} --import=${pathToFileURL(join(benchDir, '_cpu-profile-hook.js')).href}`.trim();
  }
  // Before the cluster starts, so its processes do not compete with the measurement.
  const machine = await measureMachine();
  const cluster: LocalCluster = await startCluster({ nodes: 3 });
  const stopOnSignal = (): void => void cluster.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    await cluster.createTopic(TOPIC, { partitions, replicationFactor: 3, minInsync: 2, timeoutMs: 30_000 });
    for (let p = 0; p < partitions; p++) await cluster.waitForIsr(TOPIC, p, 3, 30_000);
    const base = {
      bootstrapServers: cluster.bootstrapServers,
      topic: TOPIC,
      partitions,
      warmupMs: 1_000,
      durationMs: seconds * 1000,
      recordBytes: RECORD_BYTES,
      acks: acks === -1 ? ('all' as const) : (acks as 0 | 1),
      batchSizeBytes,
      lingerMs,
    };
    console.log(
      `produce: 3 node processes, topic ${TOPIC} with ${partitions} partitions, RF 3, min.insync.replicas 2; one producer process; ` +
        `${RECORD_BYTES}-byte records, acks=${acksName}; full load: batch ${batchSizeBytes} B, linger ${lingerMs} ms, ${recordsPerSend} records/send, ` +
        `at most ${windowRecords} records in flight; fixed rate: linger ${rateLingerMs} ms, one record/send; ${runs} runs of ${seconds} s each`,
    );

    const full: ProducerRunResult[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await runNativeProducer({ ...base, mode: 'max', recordsPerSend, windowRecords });
      full.push(r);
      console.log(
        `  full load run ${i + 1}: ${Math.round(r.records / r.seconds).toLocaleString('en-US')} records/s, ` +
          `${round(r.payloadBytes / r.seconds / 1e6)} MB/s, send p50 ${round(r.latencyMs.p50)} ms p99 ${round(r.latencyMs.p99)} ms` +
          (r.errors ? `, ${r.errors} errors: ${r.firstError}` : ''),
      );
    }
    const fixed: ProducerRunResult[] = [];
    for (let i = 0; i < (rate > 0 ? runs : 0); i++) {
      const r = await runNativeProducer({ ...base, mode: 'rate', ratePerSecond: rate, lingerMs: rateLingerMs });
      fixed.push(r);
      console.log(
        `  ${rate.toLocaleString('en-US')} records/s run ${i + 1}: ${Math.round(r.records / r.seconds).toLocaleString('en-US')} records/s acknowledged, ` +
          `ack p50 ${round(r.latencyMs.p50)} ms p99 ${round(r.latencyMs.p99)} ms max ${round(r.latencyMs.max)} ms` +
          (r.errors ? `, ${r.errors} errors: ${r.firstError}` : ''),
      );
    }

    const recordsPerSecond = median(full.map((r) => r.records / r.seconds));
    const figures = {
      recordsPerSecond: Math.round(recordsPerSecond),
      mbPerSecond: round(median(full.map((r) => r.payloadBytes / r.seconds / 1e6))),
      fullLoadP50Ms: round(median(full.map((r) => r.latencyMs.p50))),
      fullLoadP99Ms: round(median(full.map((r) => r.latencyMs.p99))),
      fixedRate: rate,
      fixedRateP50Ms: round(median(fixed.map((r) => r.latencyMs.p50))),
      fixedRateP99Ms: round(median(fixed.map((r) => r.latencyMs.p99))),
      errors: [...full, ...fixed].reduce((n, r) => n + r.errors, 0),
    };
    console.log(
      `median: ${figures.recordsPerSecond.toLocaleString('en-US')} records/s, ${figures.mbPerSecond} MB/s at full load ` +
        `(send p50 ${figures.fullLoadP50Ms} ms, p99 ${figures.fullLoadP99Ms} ms); at ${rate.toLocaleString('en-US')} records/s ack p50 ` +
        `${figures.fixedRateP50Ms} ms, p99 ${figures.fixedRateP99Ms} ms (targets: >= 300,000 records/s; p99 < 20 ms at 5,000/s)`,
    );
    // Each record crosses loopback several times (producer to leader, leader to two followers), so
    // this share is a lower bound on the loopback capacity the path uses.
    console.log(`${describeMachine(machine)}; full-load payload ${figures.mbPerSecond} MB/s is ${percentOf(figures.mbPerSecond, machine.loopbackTcp)} of loopback TCP`);
    console.log(`load average (1 min) at the end: ${round(loadavg()[0], 2)} on this machine`);
    printResult('produce', { loadAverage1m: round(loadavg()[0], 2), ...machineFigures(machine), produceOfLoopback: round(figures.mbPerSecond / machine.loopbackTcp.mbPerSecond, 4), runs, seconds, partitions, recordBytes: RECORD_BYTES, acks: acksName, batchSizeBytes, lingerMs, recordsPerSend, windowRecords, rateLingerMs, ...figures });
  } finally {
    await cluster.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
