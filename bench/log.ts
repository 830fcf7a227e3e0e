/**
 * Partition-log throughput on the local disk: 100-byte records in 16 KiB batches, appended as a
 * leader (full validation) with the default flush policy (the OS flushes) and with an fsync per
 * batch, appended as a follower (CRC check only), and read back sequentially in 1 MiB fetches
 * (right after the appends, and again); and the log cleaner compacting a log of keyed records
 * (10,000 keys, each written many times) in one pass, as MB of log read per second.
 * Each figure is the median of several runs, each in a fresh temporary directory.
 *
 *   npm run bench -- log [--runs 5] [--mb 256] [--fsync-mb 16] [--clean-mb 64]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/common/clock.js';
import { buildBatch } from '../src/log/batch/build.js';
import { stampBatch } from '../src/log/batch/layout.js';
import type { LogConfig } from '../src/log/config.js';
import { openPartitionLog } from '../src/log/open-log.js';
import type { SegmentedLog } from '../src/log/segmented-log.js';
import { FileStorage } from '../src/log/storage/file-storage.js';
import { DEFAULT_DEDUPE_BUFFER_BYTES } from '../src/log/cleaner/offset-map.js';
import { describeMachine, measureMachine, percentOf } from './_machine.js';
import { median, printResult, round } from './_stats.js';

const RECORD_BYTES = 100;
const BATCH_TARGET_BYTES = 16 * 1024;
const FETCH_BYTES = 1024 * 1024;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const runs = option('runs', 5);
const appendMb = option('mb', 256);
const fsyncMb = option('fsync-mb', 16);
const cleanMb = option('clean-mb', 64);
const CLEAN_KEYS = 10_000;

/** A producer batch of 100-byte records, as many as fit in 16 KiB. */
function makeBatch(): { batch: Buffer; records: number } {
  const value = Buffer.alloc(RECORD_BYTES, 'x');
  const build = (count: number): Buffer => buildBatch(Array.from({ length: count }, (_, i) => ({ value, timestamp: 1_700_000_000_000 + i })));
  let count = Math.floor(BATCH_TARGET_BYTES / RECORD_BYTES);
  while (build(count).length > BATCH_TARGET_BYTES) count--;
  return { batch: build(count), records: count };
}

interface RunResult {
  seconds: number;
  /** CPU time of this process (user + system): robust to other processes competing for the cores. */
  cpuSeconds: number;
  records: number;
  /** Record payload bytes (100 per record). */
  payloadBytes: number;
  /** Batch bytes as stored. */
  logBytes: number;
}

/**
 * The temporary directory in use, removed if the benchmark is interrupted (signals are handled
 * between runs, where the benchmark yields to the event loop).
 */
let currentDataDir: string | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (currentDataDir) rmSync(currentDataDir, { recursive: true, force: true });
    process.exit(130);
  });
}

function withLog<T>(config: Partial<LogConfig>, fn: (log: SegmentedLog) => T): T {
  const dataDir = mkdtempSync(join(tmpdir(), 'brokerlab-bench-log-'));
  currentDataDir = dataDir;
  const storage = new FileStorage();
  const log = openPartitionLog({ storage, dataDir, topic: 'bench', partition: 0, config, clock: systemClock });
  try {
    return fn(log);
  } finally {
    log.close();
    rmSync(dataDir, { recursive: true, force: true });
    currentDataDir = undefined;
  }
}

function appendRun(template: { batch: Buffer; records: number }, totalMb: number, config: Partial<LogConfig>, after?: (log: SegmentedLog) => void): RunResult {
  const batches = Math.ceil((totalMb * 1024 * 1024) / template.batch.length);
  return withLog(config, (log) => {
    const timer = startTimer();
    for (let i = 0; i < batches; i++) log.appendAsLeader(template.batch, 0);
    const elapsed = timer();
    after?.(log);
    return { ...elapsed, records: batches * template.records, payloadBytes: batches * template.records * RECORD_BYTES, logBytes: batches * template.batch.length };
  });
}

function followerRun(template: { batch: Buffer; records: number }, totalMb: number): RunResult {
  const batches = Math.ceil((totalMb * 1024 * 1024) / template.batch.length);
  // Followers receive several batches per fetch; 64 per append is a 1 MiB fetch.
  const perFetch = 64;
  const fetch = Buffer.concat(Array.from({ length: perFetch }, () => template.batch));
  return withLog({}, (log) => {
    const timer = startTimer();
    for (let sent = 0; sent < batches; sent += perFetch) {
      for (let b = 0; b < perFetch; b++) stampBatch(fetch, b * template.batch.length, log.logEndOffset() + b * template.records, 0);
      log.appendAsFollower(fetch);
    }
    const elapsed = timer();
    const sentBatches = Math.ceil(batches / perFetch) * perFetch;
    return { ...elapsed, records: sentBatches * template.records, payloadBytes: sentBatches * template.records * RECORD_BYTES, logBytes: sentBatches * template.batch.length };
  });
}

/**
 * Appends, then reads everything back in 1 MiB fetches `passes` times, timing only the last pass.
 * The first pass right after a burst of appends pays for page faults on freshly allocated result
 * buffers; a repeated pass shows the steady state where that memory is reused.
 */
function readRun(template: { batch: Buffer; records: number }, totalMb: number, passes: number): RunResult {
  let result: RunResult | undefined;
  appendRun(template, totalMb, {}, (log) => {
    for (let pass = 1; pass <= passes; pass++) {
      const timer = startTimer();
      let offset = log.logStartOffset();
      let logBytes = 0;
      while (offset < log.logEndOffset()) {
        const read = log.read(offset, FETCH_BYTES);
        logBytes += read.records.length;
        offset = read.nextOffset;
      }
      const elapsed = timer();
      const records = log.logEndOffset();
      result = { ...elapsed, records, payloadBytes: records * RECORD_BYTES, logBytes };
    }
  });
  return result!;
}

/**
 * Appends `totalMb` of keyed records (keys cycling over CLEAN_KEYS) to a compacted log, then times
 * one cleaner pass over everything below the active segment. Its throughput is log bytes read by
 * the cleaner per second; it also writes what it keeps (about CLEAN_KEYS records).
 */
function cleanRun(totalMb: number): RunResult {
  const value = Buffer.alloc(RECORD_BYTES, 'c');
  const perBatch = Math.floor(BATCH_TARGET_BYTES / (RECORD_BYTES + 24));
  const batches = Math.ceil((totalMb * 1024 * 1024) / BATCH_TARGET_BYTES);
  let next = 0;
  const batch = (): Buffer => buildBatch(Array.from({ length: perBatch }, () => ({ key: Buffer.from(`key-${next++ % CLEAN_KEYS}`), value, timestamp: 1_700_000_000_000 })));
  // Eight segments or so, so everything but the last is below the active segment and cleanable.
  const segmentBytes = Math.max(1024 * 1024, Math.floor((totalMb * 1024 * 1024) / 8));
  return withLog({ cleanupPolicy: 'compact', segmentBytes }, (log) => {
    for (let i = 0; i < batches; i++) log.appendAsLeader(batch(), 0);
    const timer = startTimer();
    const stats = log.clean({ nowMs: Date.now(), dedupeBufferBytes: DEFAULT_DEDUPE_BUFFER_BYTES, force: true });
    const elapsed = timer();
    if (!stats) throw new Error('the cleaner found nothing to clean');
    return { ...elapsed, records: stats.recordsRead, payloadBytes: stats.recordsRead * RECORD_BYTES, logBytes: stats.bytesRead };
  });
}

/** Starts measuring wall-clock and CPU time; the returned function reads both. */
function startTimer(): () => { seconds: number; cpuSeconds: number } {
  const wallStart = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  return () => {
    const cpu = process.cpuUsage(cpuStart);
    return { seconds: Number(process.hrtime.bigint() - wallStart) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  };
}

interface Figures {
  recordsPerSec: number;
  payloadMBps: number;
  logMBps: number;
  /** Batch megabytes per CPU-second of this process. */
  logMBperCpuSecond: number;
}

function summarize(name: string, results: RunResult[]): Figures {
  const recordsPerSec = median(results.map((r) => r.records / r.seconds));
  const payloadMBps = median(results.map((r) => r.payloadBytes / r.seconds / 1e6));
  const logMBps = median(results.map((r) => r.logBytes / r.seconds / 1e6));
  const logMBperCpuSecond = median(results.map((r) => r.logBytes / Math.max(r.cpuSeconds, 1e-6) / 1e6));
  const perRun = results.map((r) => round(r.logBytes / r.seconds / 1e6, 0)).join(', ');
  process.stdout.write(
    `${name.padEnd(28)} ${Math.round(recordsPerSec).toLocaleString('en-US').padStart(12)} records/s  ` +
      `${round(logMBps).toFixed(1).padStart(7)} MB/s of batches  ${round(payloadMBps).toFixed(1).padStart(7)} MB/s of values  ` +
      `${round(logMBperCpuSecond, 0).toFixed(0).padStart(6)} MB per CPU-second  (runs: ${perRun} MB/s)\n`,
  );
  return { recordsPerSec: Math.round(recordsPerSec), payloadMBps: round(payloadMBps), logMBps: round(logMBps), logMBperCpuSecond: round(logMBperCpuSecond) };
}

async function repeat(n: number, fn: () => RunResult): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (let i = -1; i < n; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    const result = fn();
    if (i >= 0) results.push(result); // run -1 warms up the JIT and the page cache, not counted
  }
  return results;
}

const template = makeBatch();
process.stdout.write(
  `partition log on ${tmpdir()}: ${template.records} records of ${RECORD_BYTES} bytes per ${template.batch.length}-byte batch; ` +
    `median of ${runs} runs (${appendMb} MB per run, ${fsyncMb} MB with fsync); load average ${loadavg()[0]!.toFixed(1)}\n`,
);
const appendDefault = summarize('append, default flush', await repeat(runs, () => appendRun(template, appendMb, {})));
const appendFsync = summarize('append, fsync per batch', await repeat(runs, () => appendRun(template, fsyncMb, { flushIntervalMessages: 1 })));
const appendFollower = summarize('append as follower', await repeat(runs, () => followerRun(template, appendMb)));
const readSequential = summarize('sequential read (1 MiB)', await repeat(runs, () => readRun(template, appendMb, 1)));
const readRepeated = summarize('  same, second pass', await repeat(runs, () => readRun(template, appendMb, 2)));
const cleaned = summarize('cleaner pass (compaction)', await repeat(runs, () => cleanRun(cleanMb)));

const machine = await measureMachine();
process.stdout.write(`${describeMachine(machine)}; leader append (default flush) is ${percentOf(appendDefault.logMBps, machine.diskWrite)} of that disk write, with fsync per batch ${percentOf(appendFsync.logMBps, machine.diskWrite)}\n`);

printResult('log', {
  loadAverage: round(loadavg()[0]!),
  recordBytes: RECORD_BYTES,
  batchBytes: template.batch.length,
  recordsPerBatch: template.records,
  runs,
  appendDefaultFlush: appendDefault,
  appendFsyncPerBatch: appendFsync,
  appendAsFollower: appendFollower,
  sequentialRead: readSequential,
  sequentialReadSecondPass: readRepeated,
  cleanerPass: cleaned,
});
