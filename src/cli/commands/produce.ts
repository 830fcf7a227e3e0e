/**
 * `brokerlab produce TOPIC`: sends stdin lines, or --count generated records (--size bytes each, at
 * most --rate per second), with keys from a pattern (`user-{i%100}`). Shows progress on a terminal
 * and ends with a summary: acked, failed by error name, records/s, p50/p99 ack latency. Exits
 * non-zero if any record failed.
 */
import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import type { Producer } from '../../client/index.js';
import { addClientFlags, withClient, type ClientFlags } from '../client-context.js';
import { CliError } from '../errors.js';
import { print } from '../context.js';
import { compilePattern, sizedValue } from '../key-pattern.js';
import { parseAcks, parseNonNegative, parsePositive, type Acks } from '../options.js';
import { ProduceStats } from '../produce-stats.js';
import { wantsColour } from '../render/style.js';

interface ProduceFlags extends ClientFlags {
  count?: number;
  rate?: number;
  size?: number;
  key?: string;
  keyFrom?: string;
  value?: string;
  acks?: Acks;
  partition?: number;
  maxInFlight: number;
}

/** Sends awaiting an answer at once: enough to fill batches, few enough to bound memory. */
const DEFAULT_MAX_IN_FLIGHT = 5000;

export function registerProduce(program: Command): void {
  addClientFlags(
    program
      .command('produce')
      .argument('<topic>', 'topic to write to')
      .description('send records: one per stdin line, or --count generated ones')
      .option('--count <n>', 'generate n records instead of reading stdin', parsePositive)
      .option('--rate <n>', 'at most n records per second (default: as fast as acks allow)', parsePositive)
      .option('--size <bytes>', 'size of each generated value', parsePositive)
      .option('--key <pattern>', 'key pattern, e.g. user-{i%100} ({i}, {i%N}, {i/N})')
      .option('--key-from <pattern>', 'same as --key')
      .option('--value <pattern>', 'value pattern for generated records (default: value-{i})')
      .option('--acks <acks>', '0, 1 or all (default all)', parseAcks)
      .option('--partition <p>', 'write every record to this partition', parseNonNegative)
      .option('--max-in-flight <n>', 'records awaiting an answer at once', parsePositive, DEFAULT_MAX_IN_FLIGHT),
  ).action(async (topic: string, flags: ProduceFlags, command: Command) => produce(topic, flags, command));
}

async function produce(topic: string, flags: ProduceFlags, command: Command): Promise<void> {
  if (flags.key !== undefined && flags.keyFrom !== undefined) throw new CliError('use --key or --key-from, not both', 2);
  if (flags.count === undefined && (flags.size !== undefined || flags.value !== undefined)) {
    throw new CliError('--size and --value describe generated records: give --count too', 2);
  }
  if (flags.size !== undefined && flags.value !== undefined) throw new CliError('use --size or --value, not both', 2);
  const keyPattern = flags.key ?? flags.keyFrom;
  const keyOf = keyPattern !== undefined ? compilePattern(keyPattern) : undefined;
  const valueOf = flags.size !== undefined ? (i: number) => sizedValue(i, flags.size!) : compilePattern(flags.value ?? 'value-{i}');
  const acks: Acks = flags.acks ?? -1;
  const acksLabel = acks === -1 ? 'all' : String(acks);

  await withClient(command, flags, async (client) => {
    // Fail on an unknown topic before reading any input.
    await client.admin().describeTopics([topic]);
    const producer = client.producer({ acks, deliveryTimeoutMs: Math.max(flags.timeout * 3, 30_000), requestTimeoutMs: flags.timeout });
    const stats = new ProduceStats();
    const progress = startProgress(stats, flags.count);
    try {
      const sender = new BoundedSender(producer, topic, flags, stats);
      if (flags.count !== undefined) {
        for (let i = 0; i < flags.count; i++) {
          await pace(stats.startedAt, i, flags.rate);
          await sender.send(keyOf?.(i) ?? null, valueOf(i));
        }
      } else {
        let i = 0;
        for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
          await pace(stats.startedAt, i, flags.rate);
          await sender.send(keyOf?.(i) ?? null, line);
          i++;
        }
      }
      await sender.drain();
    } finally {
      progress.stop();
    }
    for (const line of stats.summary(acksLabel)) print(line);
    if (stats.failed > 0) process.exitCode = 1;
  });
}

/**
 * Keeps at most `maxInFlight` sends outstanding, recording each outcome and its latency. A count and
 * one waiter, not a race over the outstanding sends: racing thousands of promises per send costs
 * time and memory in proportion to them.
 */
class BoundedSender {
  private inFlight = 0;
  /** Resolves the one caller waiting for a send to finish (`send` or `drain`; they run in turn). */
  private onSettled: (() => void) | undefined;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly flags: ProduceFlags,
    private readonly stats: ProduceStats,
  ) {}

  async send(key: string | null, value: string): Promise<void> {
    while (this.inFlight >= this.flags.maxInFlight) await this.nextSettled();
    const started = performance.now();
    const message = this.flags.partition !== undefined ? { key, value, partition: this.flags.partition } : { key, value };
    this.stats.sent++;
    this.inFlight++;
    void this.producer
      .send({ topic: this.topic, messages: [message] })
      .then(
        () => this.stats.recordAck(performance.now() - started),
        (e: unknown) => this.stats.recordFailure(e),
      )
      .finally(() => {
        this.inFlight--;
        const wake = this.onSettled;
        this.onSettled = undefined;
        wake?.();
      });
  }

  async drain(): Promise<void> {
    await this.producer.flush();
    while (this.inFlight > 0) await this.nextSettled();
  }

  private nextSettled(): Promise<void> {
    return new Promise((resolve) => (this.onSettled = resolve));
  }
}

/** Waits until record `i` is due at `rate` records per second. */
async function pace(startedAt: number, i: number, rate: number | undefined): Promise<void> {
  if (rate === undefined) {
    // Yield now and then so the producer's timers and sockets get a turn.
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
    return;
  }
  const due = startedAt + (i * 1000) / rate;
  const wait = due - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

function startProgress(stats: ProduceStats, total: number | undefined): { stop(): void } {
  if (!wantsColour(process.stderr)) return { stop() {} };
  const timer = setInterval(() => process.stderr.write(`\r\u001b[K${stats.progressLine(total)}`), 250);
  return {
    stop() {
      clearInterval(timer);
      process.stderr.write('\r\u001b[K');
    },
  };
}
