/**
 * acks=all produce through the Kafka listener, driven by librdkafka, beside the native (gRPC) path
 * on the same cluster in the same run. One local cluster (3 node processes, startCluster), one
 * topic with replication factor 3, min.insync.replicas 2 and a few partitions; 100-byte records.
 * Each run measures, for each path, full load and a fixed rate (5,000 records/s by default), each
 * with the producer in its own process:
 * - `kafka`: librdkafka through python3-confluent-kafka (bench/kafka_producer.py, run from the
 *   source tree with /usr/bin/python3), idempotent, per-record delivery callbacks for latency;
 * - `kafka-noidem`: the same with enable.idempotence=false. librdkafka's idempotent producer keeps
 *   one Produce request in flight per partition (it caps requests at 5 minus the *messages* in
 *   flight: rdkafka_broker.c, rd_kafka_toppar_producer_serve; still so in 2.x, see
 *   confluentinc/librdkafka#4989), so this row shows the listener with pipelining like the
 *   native client's;
 * - `native`: bench/_producer-process.ts, exactly as `npm run bench -- produce` runs it
 *   (bench/_native-producer.ts).
 * The order rotates between runs (each path goes first once in three runs); figures are medians
 * over the runs. Beside throughput and latency, each measurement reports the CPU the 3 node
 * processes used per record appended meanwhile (/proc; the topic's high watermarks), a figure far
 * less sensitive than throughput to what else this shared machine runs.
 *
 *   npm run bench -- kafka [--runs 3] [--seconds 5] [--partitions 3] [--rate 5000 (0: skip)]
 *                          [--batch-bytes 1000000] [--linger-ms 20] [--records-per-send 1000] [--window 100000]
 *                          [--rate-linger-ms 5] [--kafka-x key=value ...(librdkafka settings, repeatable)]
 *                          [--paths kafka,kafka-noidem,native (a subset, e.g. one path to profile its broker side)]
 *
 * Settings, the same on every path unless said: acks=all, no compression, at most 5 requests in
 * flight (native: per partition; librdkafka: per broker connection, one partition per Produce
 * request here, each partition's leader on its own node, and with idempotence 1 per partition as
 * said); idempotence on except in `kafka-noidem`. Full load: batch.size 1,000,000 B, linger 20 ms,
 * at most 100,000 records produced and not yet acknowledged (native: its window; librdkafka:
 * queue.buffering.max.messages), records produced to one partition 1,000 at a time (native: one
 * send call of 1,000 records). Fixed rate: linger 5 ms, one record at a time, partitions in turn.
 * Full-load latency is per send call of 1,000 records on the native path and per record on the
 * Kafka path; both are mostly the records in flight over the throughput (Little's law), so the
 * fixed-rate latency is the one to compare.
 *
 * Needs python3-confluent-kafka (`apt-get install -y python3-confluent-kafka`); without it the
 * bench says so and exits 1 before starting a cluster. BROKERLAB_BENCH_PYTHON picks another
 * interpreter. BROKERLAB_BENCH_PROFILE_DIR writes CPU profiles of every node process (the brokers
 * and the native producer) there (bench/_cpu-profile-hook.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { availableParallelism, loadavg } from 'node:os';
import { startCluster, type LocalCluster } from '../cluster/index.js';
import { createClient, type Admin } from '../src/client/index.js';
import { produceBenchOptions, runNativeProducer, type ProducerRunResult } from './_native-producer.js';
import { median, printResult, round } from './_stats.js';

const PATHS = ['kafka', 'kafka-noidem', 'native'] as const;
type Path = (typeof PATHS)[number];
const LABEL: Record<Path, string> = {
  kafka: 'kafka (librdkafka)',
  'kafka-noidem': 'kafka, no idempotence',
  native: 'native (gRPC)',
};

/** Every `--kafka-x key=value`, as librdkafka settings. */
function librdkafkaOverrides(): Record<string, string> {
  const out: Record<string, string> = {};
  process.argv.forEach((arg, i) => {
    if (arg !== '--kafka-x') return;
    const setting = process.argv[i + 1] ?? '';
    const eq = setting.indexOf('=');
    if (eq <= 0) throw new Error(`--kafka-x needs key=value, not "${setting}"`);
    out[setting.slice(0, eq)] = setting.slice(eq + 1);
  });
  return out;
}

function pathsOption(): Path[] {
  const i = process.argv.indexOf('--paths');
  if (i < 0) return [...PATHS];
  const asked = (process.argv[i + 1] ?? '').split(',');
  const unknown = asked.filter((p) => !(PATHS as readonly string[]).includes(p));
  if (unknown.length > 0 || asked.length === 0) throw new Error(`--paths takes some of ${PATHS.join(',')}, not "${process.argv[i + 1]}"`);
  return PATHS.filter((p) => asked.includes(p));
}

const { runs, seconds, partitions, rate, batchSizeBytes, lingerMs, recordsPerSend, windowRecords, rateLingerMs } = produceBenchOptions();
const overrides = librdkafkaOverrides();
const paths = pathsOption();
const RECORD_BYTES = 100;
const TOPIC = 'bench-kafka';
const WARMUP_MS = 1_000;
const profileDir = process.env['BROKERLAB_BENCH_PROFILE_DIR'];
const python = process.env['BROKERLAB_BENCH_PYTHON'] ?? '/usr/bin/python3';

const benchDir = dirname(fileURLToPath(import.meta.url));
/** Read from the source tree (dist/bench/kafka.js -> bench/kafka_producer.py); not compiled. */
const kafkaDriver = join(benchDir, '..', '..', 'bench', 'kafka_producer.py');

interface KafkaRunOptions {
  brokers: string[];
  topic: string;
  partitions: number;
  mode: 'max' | 'rate';
  ratePerSecond?: number;
  warmupMs: number;
  durationMs: number;
  recordBytes: number;
  recordsPerSend?: number;
  config: Record<string, string | number | boolean>;
}

interface KafkaRunResult extends ProducerRunResult {
  /** librdkafka's statistics, the last of the measured interval (averages over its last second). */
  rdkafka: {
    batchBytesAvg?: number;
    recordsPerBatchAvg?: number;
    brokerRttAvgMs?: number | null;
    internalLatencyAvgMs?: number | null;
    outbufLatencyAvgMs?: number | null;
    partitionLeaders?: Record<string, number>;
    txMsgs?: number;
  };
  clientCpuSeconds: number;
  clientMainThreadCpuSeconds: number;
}

/** librdkafka settings matching the native producer's (see the header). */
function librdkafkaConfig(path: Path, linger: number): Record<string, string | number | boolean> {
  return {
    acks: 'all',
    'enable.idempotence': path === 'kafka',
    'compression.type': 'none',
    'linger.ms': linger,
    'batch.size': batchSizeBytes,
    // Let batch.size, not the record count (default 10,000), close a batch, as on the native path.
    'batch.num.messages': 1_000_000,
    'max.in.flight.requests.per.connection': 5,
    'queue.buffering.max.messages': windowRecords,
    'request.timeout.ms': 30_000,
    ...overrides,
  };
}

/** Exits loudly when the Python driver cannot run; returns the client's and librdkafka's versions. */
function checkKafkaDriver(): string {
  const fail = (why: string): never => {
    console.error(
      `\n*** kafka bench: ${why}\n*** The Kafka path is driven by librdkafka through python3-confluent-kafka. Install it with:\n` +
        `***     apt-get install -y python3-confluent-kafka\n*** (it is imported with ${python}; set BROKERLAB_BENCH_PYTHON to use another interpreter)\n`,
    );
    process.exit(1);
  };
  if (!existsSync(kafkaDriver)) fail(`the driver script ${kafkaDriver} is missing`);
  const probe = spawnSync(python, ['-c', 'import confluent_kafka; print(confluent_kafka.version()[0], confluent_kafka.libversion()[0])'], { encoding: 'utf8' });
  if (probe.error) fail(`cannot run ${python}: ${probe.error.message}`);
  if (probe.status !== 0) fail(`${python} cannot import confluent_kafka: ${probe.stderr.trim().split('\n').at(-1) ?? ''}`);
  const [client, lib] = probe.stdout.trim().split(' ');
  return `confluent-kafka ${client}, librdkafka ${lib}`;
}

function runKafkaProducer(options: KafkaRunOptions): Promise<KafkaRunResult> {
  const child = spawn(python, [kafkaDriver, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const limitMs = options.warmupMs + options.durationMs + 120_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').at(-1);
      if (code === 0 && line) resolve(JSON.parse(line) as KafkaRunResult);
      else reject(new Error(`kafka producer (${python} ${kafkaDriver}) exited with ${code ?? signal}: ${err.trim().slice(-2000)}`));
    });
  });
}

/** One measurement, with the brokers' CPU over the whole producer process's run. */
type Measured = ProducerRunResult &
  Partial<Pick<KafkaRunResult, 'rdkafka' | 'clientCpuSeconds' | 'clientMainThreadCpuSeconds'>> & {
    /** CPU microseconds (user + system) of the 3 node processes per record appended to the topic meanwhile. */
    brokerCpuUsPerRecord: number;
    /** Cores the 3 node processes used on average meanwhile. */
    brokerCores: number;
  };

interface PathRuns {
  full: Measured[];
  fixed: Measured[];
}

interface PathFigures {
  recordsPerSecond: number;
  /** Lowest and highest of the runs: how noisy the median is. */
  recordsPerSecondRange: [number, number];
  fixedRateP99MsRange: [number, number];
  mbPerSecond: number;
  fullLoadP50Ms: number;
  fullLoadP99Ms: number;
  fixedRateRecordsPerSecond: number;
  fixedRateP50Ms: number;
  fixedRateP99Ms: number;
  fullLoadBrokerCpuUsPerRecord: number;
  fullLoadBrokerCores: number;
  fixedRateBrokerCpuUsPerRecord: number;
  fixedRateBrokerCores: number;
  errors: number;
}

const CLOCK_TICKS = ((): number => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(r.stdout?.trim()) || 100;
})();

/** utime + stime of the processes, in seconds (Linux /proc; NaN elsewhere). */
function cpuSecondsOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return Number.NaN;
    }
  }
  return ticks / CLOCK_TICKS;
}

/** Records in the topic (sum of high watermarks); NaN if the offsets cannot be had (leaders moving). */
async function recordsIn(admin: Admin, topic: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + p.latest, 0);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  return Number.NaN;
}

/** Median of the finite values (a measurement whose broker CPU could not be attributed is left out). */
const finiteMedian = (values: number[]): number => median(values.filter(Number.isFinite));

const rangeOf = (values: number[]): [number, number] => (values.length ? [Math.min(...values), Math.max(...values)] : [Number.NaN, Number.NaN]);
const overlap = (a: [number, number], b: [number, number]): boolean => a[0] <= b[1] && b[0] <= a[1];

function figuresOf(r: PathRuns): PathFigures {
  return {
    recordsPerSecond: Math.round(median(r.full.map((x) => x.records / x.seconds))),
    recordsPerSecondRange: rangeOf(r.full.map((x) => Math.round(x.records / x.seconds))),
    fixedRateP99MsRange: rangeOf(r.fixed.map((x) => round(x.latencyMs.p99))),
    mbPerSecond: round(median(r.full.map((x) => x.payloadBytes / x.seconds / 1e6))),
    fullLoadP50Ms: round(median(r.full.map((x) => x.latencyMs.p50))),
    fullLoadP99Ms: round(median(r.full.map((x) => x.latencyMs.p99))),
    fixedRateRecordsPerSecond: Math.round(median(r.fixed.map((x) => x.records / x.seconds))),
    fixedRateP50Ms: round(median(r.fixed.map((x) => x.latencyMs.p50))),
    fixedRateP99Ms: round(median(r.fixed.map((x) => x.latencyMs.p99))),
    fullLoadBrokerCpuUsPerRecord: round(finiteMedian(r.full.map((x) => x.brokerCpuUsPerRecord))),
    fullLoadBrokerCores: round(finiteMedian(r.full.map((x) => x.brokerCores)), 2),
    fixedRateBrokerCpuUsPerRecord: round(finiteMedian(r.fixed.map((x) => x.brokerCpuUsPerRecord))),
    fixedRateBrokerCores: round(finiteMedian(r.fixed.map((x) => x.brokerCores)), 2),
    errors: [...r.full, ...r.fixed].reduce((n, x) => n + x.errors, 0),
  };
}

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const load = (): string => loadavg().map((l) => round(l, 2)).join(' / ');

function describe(path: Path, what: string, r: Measured): string {
  const k = r.rdkafka;
  const librdkafka =
    k && k.recordsPerBatchAvg !== undefined
      ? `; librdkafka: ${fmt(k.recordsPerBatchAvg)} records/batch (${fmt(k.batchBytesAvg ?? NaN)} B), queueing ${k.internalLatencyAvgMs ?? '-'} ms, ` +
        `rtt ${k.brokerRttAvgMs ?? '-'} ms, leaders ${Object.values(k.partitionLeaders ?? {}).join(',')}, client CPU ${r.clientCpuSeconds} s ` +
        `(Python thread ${r.clientMainThreadCpuSeconds} s)`
      : '';
  const errors = r.errors ? `, ${r.errors} errors: ${r.firstError}` : '';
  return (
    `    ${path.padEnd(12)} ${what}: ${fmt(r.records / r.seconds)} records/s, ${round(r.payloadBytes / r.seconds / 1e6)} MB/s, ` +
    `${path === 'native' && what === 'full load' ? 'send' : 'ack'} p50 ${round(r.latencyMs.p50)} ms p99 ${round(r.latencyMs.p99)} ms max ${round(r.latencyMs.max)} ms; ` +
    `brokers ${round(r.brokerCpuUsPerRecord)} µs CPU/record (${round(r.brokerCores, 2)} cores)${errors}${librdkafka}`
  );
}

async function main(): Promise<void> {
  const driverVersion = paths.some((p) => p !== 'native') ? checkKafkaDriver() : 'not used';
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    // Every node process started from here (nodes, the native producer) inherits NODE_OPTIONS.
    process.env['NODE_OPTIONS'] = `${process.env['NODE_OPTIONS'] ?? ''} --import=${pathToFileURL(join(benchDir, '_cpu-profile-hook.js')).href}`.trim();
  }
  const loadAtStart = load();
  const cluster: LocalCluster = await startCluster({ nodes: 3 });
  let offsetsClient: ReturnType<typeof createClient> | undefined;
  const stopOnSignal = (): void => void cluster.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    await cluster.createTopic(TOPIC, { partitions, replicationFactor: 3, minInsync: 2, timeoutMs: 30_000 });
    for (let p = 0; p < partitions; p++) await cluster.waitForIsr(TOPIC, p, 3, 30_000);
    offsetsClient = createClient({ bootstrapServers: cluster.bootstrapServers, clientId: 'bench-kafka-offsets' });
    const admin = offsetsClient.admin();
    const native = {
      bootstrapServers: cluster.bootstrapServers,
      topic: TOPIC,
      partitions,
      warmupMs: WARMUP_MS,
      durationMs: seconds * 1000,
      recordBytes: RECORD_BYTES,
      acks: 'all' as const,
      batchSizeBytes,
      lingerMs,
    };
    const kafka = {
      brokers: cluster.kafkaBrokers,
      topic: TOPIC,
      partitions,
      warmupMs: WARMUP_MS,
      durationMs: seconds * 1000,
      recordBytes: RECORD_BYTES,
    };
    console.log(
      `kafka: 3 node processes, topic ${TOPIC} with ${partitions} partitions, RF 3, min.insync.replicas 2; ${RECORD_BYTES}-byte records, acks=all, ` +
        `no compression; each producer in its own process; ${runs} runs of ${seconds} s (+${WARMUP_MS / 1000} s warm-up) each, order rotating\n` +
        `  Kafka paths: ${driverVersion} via bench/kafka_producer.py -> Kafka listeners ${cluster.kafkaBrokers.join(',')}; ` +
        `"kafka" idempotent (librdkafka then keeps 1 Produce request in flight per partition), "kafka-noidem" not (up to 5 per connection)\n` +
        `  native path: brokerlab's client over gRPC (bench/_producer-process.ts), idempotent, as in \`npm run bench -- produce\`\n` +
        `  full load: batch ${batchSizeBytes} B, linger ${lingerMs} ms, ${recordsPerSend} records to a partition at a time, at most ${windowRecords} records unacknowledged, ` +
        `5 requests in flight (native per partition, librdkafka per connection); fixed rate ${fmt(rate)}/s: linger ${rateLingerMs} ms, one record at a time\n` +
        `  librdkafka full load: ${JSON.stringify(librdkafkaConfig('kafka', lingerMs))}`,
    );
    console.log(`load average (1/5/15 min) at the start: ${loadAtStart}`);

    const results = Object.fromEntries(PATHS.map((p) => [p, { full: [], fixed: [] }])) as unknown as Record<Path, PathRuns>;
    const nodePids = cluster.nodes.flatMap((n) => (n.pid !== null ? [n.pid] : []));
    const withBrokerCpu = async (run: () => Promise<ProducerRunResult>): Promise<Measured> => {
      const [records0, cpu0, t0] = [await recordsIn(admin, TOPIC), cpuSecondsOf(nodePids), performance.now()];
      const result = await run();
      const [cpu1, t1, records1] = [cpuSecondsOf(nodePids), performance.now(), await recordsIn(admin, TOPIC)];
      return { ...result, brokerCpuUsPerRecord: ((cpu1 - cpu0) * 1e6) / (records1 - records0), brokerCores: ((cpu1 - cpu0) * 1000) / (t1 - t0) };
    };
    const measure = async (path: Path): Promise<void> => {
      const full = await withBrokerCpu(() =>
        path === 'native'
          ? runNativeProducer({ ...native, mode: 'max', recordsPerSend, windowRecords })
          : runKafkaProducer({ ...kafka, mode: 'max', recordsPerSend, config: librdkafkaConfig(path, lingerMs) }),
      );
      results[path].full.push(full);
      console.log(describe(path, 'full load', full));
      if (rate <= 0) return;
      const fixed = await withBrokerCpu(() =>
        path === 'native'
          ? runNativeProducer({ ...native, mode: 'rate', ratePerSecond: rate, lingerMs: rateLingerMs })
          : runKafkaProducer({ ...kafka, mode: 'rate', ratePerSecond: rate, config: librdkafkaConfig(path, rateLingerMs) }),
      );
      results[path].fixed.push(fixed);
      console.log(describe(path, `${fmt(rate)}/s`, fixed));
    };
    for (let i = 0; i < runs; i++) {
      const order = paths.map((_, j) => paths[(i + j) % paths.length]!);
      console.log(`  run ${i + 1} (${order.join(', ')}), load average ${load()}`);
      for (const path of order) await measure(path);
    }

    const figures = Object.fromEntries(paths.map((p) => [p, figuresOf(results[p])])) as Partial<Record<Path, PathFigures>>;
    const loadAtEnd = load();
    console.log(`\nmedians of ${runs} runs:`);
    console.log(
      `  ${'path'.padEnd(22)} ${'records/s'.padStart(10)} ${'MB/s'.padStart(6)}   ${'full-load p50/p99 ms'.padStart(20)}   ` +
        `${`ack p50/p99 ms at ${fmt(rate)}/s`.padStart(26)}   ${'broker CPU µs/record full / fixed'.padStart(33)}`,
    );
    for (const path of paths) {
      const f = figures[path]!;
      console.log(
        `  ${LABEL[path].padEnd(22)} ${fmt(f.recordsPerSecond).padStart(10)} ${String(f.mbPerSecond).padStart(6)}   ${`${f.fullLoadP50Ms} / ${f.fullLoadP99Ms}`.padStart(20)}   ` +
          `${(rate > 0 ? `${f.fixedRateP50Ms} / ${f.fixedRateP99Ms}` : '-').padStart(26)}   ` +
          `${`${f.fullLoadBrokerCpuUsPerRecord} / ${rate > 0 ? f.fixedRateBrokerCpuUsPerRecord : '-'}`.padStart(33)}` +
          (f.errors ? `   ${f.errors} errors` : ''),
      );
    }
    for (const path of paths) {
      const f = figures[path]!;
      console.log(
        `  ${LABEL[path].padEnd(22)} runs ranged ${fmt(f.recordsPerSecondRange[0])}-${fmt(f.recordsPerSecondRange[1])} records/s at full load` +
          (rate > 0 ? `, ack p99 ${f.fixedRateP99MsRange[0]}-${f.fixedRateP99MsRange[1]} ms at ${fmt(rate)}/s` : ''),
      );
    }
    const versus = (path: Path) => {
      const k = figures[path];
      const n = figures.native;
      if (!k || !n) return null;
      const noSlower = k.recordsPerSecond >= n.recordsPerSecond && (rate <= 0 || k.fixedRateP99Ms <= n.fixedRateP99Ms);
      // On a shared machine a median a few percent off says little when the runs' ranges overlap.
      const withinSpread = overlap(k.recordsPerSecondRange, n.recordsPerSecondRange) && (rate <= 0 || overlap(k.fixedRateP99MsRange, n.fixedRateP99MsRange));
      const ratios = {
        throughput: round(k.recordsPerSecond / n.recordsPerSecond, 2),
        fixedRateP50: rate > 0 ? round(k.fixedRateP50Ms / n.fixedRateP50Ms, 2) : null,
        fixedRateP99: rate > 0 ? round(k.fixedRateP99Ms / n.fixedRateP99Ms, 2) : null,
        brokerCpuPerRecord: round(k.fullLoadBrokerCpuUsPerRecord / n.fullLoadBrokerCpuUsPerRecord, 2),
      };
      console.log(
        `  ${LABEL[path]} / native: throughput x${ratios.throughput}` +
          (rate > 0 ? `, ack p50 at ${fmt(rate)}/s x${ratios.fixedRateP50}, p99 x${ratios.fixedRateP99}` : '') +
          `, broker CPU per record at full load x${ratios.brokerCpuPerRecord} -> ${noSlower ? 'no slower than' : 'SLOWER than'} the native path in this run` +
          (noSlower ? '' : withinSpread ? ' (by the medians; the runs overlap, so within the run-to-run noise)' : ' (the runs do not overlap)'),
      );
      return { ...ratios, noSlower, withinSpread };
    };
    const kafkaVsNative = versus('kafka');
    const noIdemVsNative = versus('kafka-noidem');
    console.log(`load average (1/5/15 min): ${loadAtStart} at the start, ${loadAtEnd} at the end (${availableParallelism()} cores shared with everything else on this machine)`);
    printResult('kafka', {
      loadAverage1m: round(loadavg()[0]!, 2),
      loadAverageAtStart1m: Number(loadAtStart.split(' / ')[0]),
      runs,
      seconds,
      partitions,
      recordBytes: RECORD_BYTES,
      batchSizeBytes,
      lingerMs,
      recordsPerSend,
      windowRecords,
      rateLingerMs,
      fixedRate: rate,
      driver: driverVersion,
      ...(figures.kafka ? { kafka: figures.kafka } : {}),
      ...(figures['kafka-noidem'] ? { kafkaNoIdempotence: figures['kafka-noidem'] } : {}),
      ...(figures.native ? { native: figures.native } : {}),
      ...(kafkaVsNative ? { kafkaToNative: kafkaVsNative, kafkaNoSlower: kafkaVsNative.noSlower } : {}),
      ...(noIdemVsNative ? { kafkaNoIdempotenceToNative: noIdemVsNative } : {}),
    });
  } finally {
    await offsetsClient?.close().catch(() => {});
    await cluster.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
