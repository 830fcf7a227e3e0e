/**
 * The producer side of `bench/produce.ts`, run as its own node process so the client's CPU is not
 * shared with the benchmark's supervisor: `node dist/bench/_producer-process.js '<json options>'`.
 * It produces 100-byte records to a topic's partitions in turn, either as fast as a bounded window
 * of records in flight allows (`mode: "max"`) or at a fixed rate, one record per send (`mode:
 * "rate"`), and prints one JSON line: records and bytes acknowledged in the measured interval
 * (after a warm-up) and the ack latency percentiles of the sends made and answered in it.
 */
import { createClient, type Acks } from '../src/client/index.js';
import { percentile } from './_stats.js';

export interface ProducerRunOptions {
  bootstrapServers: string[];
  topic: string;
  partitions: number;
  mode: 'max' | 'rate';
  /** Records per second, for mode "rate". */
  ratePerSecond?: number;
  warmupMs: number;
  durationMs: number;
  recordBytes: number;
  acks: Acks;
  /** Records per send call in mode "max". */
  recordsPerSend?: number;
  /** Records in flight at most in mode "max". */
  windowRecords?: number;
  batchSizeBytes?: number;
  lingerMs?: number;
  maxInFlightPerPartition?: number;
}

export interface ProducerRunResult {
  records: number;
  payloadBytes: number;
  seconds: number;
  sends: number;
  errors: number;
  firstError?: string;
  latencyMs: { p50: number; p99: number; max: number };
}

async function run(options: ProducerRunOptions): Promise<ProducerRunResult> {
  const client = createClient({ bootstrapServers: options.bootstrapServers, requestTimeoutMs: 30_000 });
  const producer = client.producer({
    acks: options.acks,
    ...(options.batchSizeBytes !== undefined ? { batchSizeBytes: options.batchSizeBytes } : {}),
    ...(options.lingerMs !== undefined ? { lingerMs: options.lingerMs } : {}),
    ...(options.maxInFlightPerPartition !== undefined ? { maxInFlightPerPartition: options.maxInFlightPerPartition } : {}),
  });
  const value = Buffer.alloc(options.recordBytes, 'x');
  // Metadata first, so the first measured send does not wait for it.
  await producer.send({ topic: options.topic, messages: [{ value, partition: 0 }] });

  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const end = measureFrom + options.durationMs;
  const latencies: number[] = [];
  let records = 0;
  let sends = 0;
  let errors = 0;
  let firstError: string | undefined;
  let inFlight = 0;
  let partition = 0;
  let wake: (() => void) | undefined;

  const sendOne = (count: number): void => {
    const messages = Array.from({ length: count }, () => ({ value, partition }));
    partition = (partition + 1) % options.partitions;
    const sentAt = performance.now();
    inFlight += count;
    producer.send({ topic: options.topic, messages }).then(
      () => {
        const now = performance.now();
        if (now >= measureFrom && now <= end) records += count;
        if (sentAt >= measureFrom && now <= end) {
          latencies.push(now - sentAt);
          sends++;
        }
      },
      (e: unknown) => {
        errors++;
        firstError ??= String(e);
      },
    ).finally(() => {
      inFlight -= count;
      wake?.();
    });
  };

  if (options.mode === 'max') {
    const perSend = options.recordsPerSend ?? 100;
    const window = options.windowRecords ?? 20_000;
    while (performance.now() < end) {
      while (inFlight + perSend <= window) sendOne(perSend);
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } else {
    const rate = options.ratePerSecond ?? 5_000;
    let sent = 0;
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - start) * rate) / 1000);
      for (; sent < due; sent++) sendOne(1);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  await producer.flush();
  await client.close();
  const seconds = options.durationMs / 1000;
  return {
    records,
    payloadBytes: records * options.recordBytes,
    seconds,
    sends,
    errors,
    ...(firstError ? { firstError } : {}),
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
  };
}

const options = JSON.parse(process.argv[2] ?? '{}') as ProducerRunOptions;
run(options).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`);
    process.exit(1);
  },
);
