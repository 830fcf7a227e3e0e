/**
 * Runs one measurement of the native (gRPC) produce path: spawns bench/_producer-process.ts as its
 * own node process with the given options and resolves with the JSON result it prints. Shared by
 * `bench/produce.ts` and `bench/kafka.ts` (which sets it beside the Kafka path).
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProducerRunOptions, ProducerRunResult } from './_producer-process.js';

export type { ProducerRunOptions, ProducerRunResult } from './_producer-process.js';

const producerScript = join(dirname(fileURLToPath(import.meta.url)), '_producer-process.js');

export function runNativeProducer(options: ProducerRunOptions): Promise<ProducerRunResult> {
  const child = spawn(process.execPath, [producerScript, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const limitMs = options.warmupMs + options.durationMs + 60_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').at(-1);
      if (code === 0 && line) resolve(JSON.parse(line) as ProducerRunResult);
      else reject(new Error(`producer process exited with ${code ?? signal}: ${err.trim().slice(-2000)}`));
    });
  });
}

/** A numeric `--name value` flag of the bench's command line. */
export function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The flags both produce benchmarks (`produce`, `kafka`) take, with their defaults. */
export function produceBenchOptions() {
  return {
    runs: option('runs', 3),
    seconds: option('seconds', 5),
    partitions: option('partitions', 3),
    rate: option('rate', 5_000),
    batchSizeBytes: option('batch-bytes', 1_000_000),
    lingerMs: option('linger-ms', 20),
    recordsPerSend: option('records-per-send', 1_000),
    windowRecords: option('window', 100_000),
    rateLingerMs: option('rate-linger-ms', 5),
  };
}
