/**
 * A queue workload's producing side against a real cluster: a few sequential senders, each sending
 * unique values to one partition and recording every send in `src/check`'s history shape (one send
 * in flight per sender, so each sender's acknowledged offsets must grow in send order). Used by
 * `brokerlab chaos`, the replication tests and the failover benchmark.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SendOp } from '../check/index.js';
import { BrokerError, createClient, type BrokerlabClient, type ProducerOptions } from '../client/index.js';

export interface SendLoadOptions {
  bootstrapServers: string[];
  topic: string;
  partition: number;
  acks: 1 | 'all';
  /** Concurrent sequential senders; each is one "process" of the history. */
  senders?: number;
  valuesPerSend?: number;
  /** Values are `${prefix}-${sender}-${n}`. */
  prefix?: string;
  /** Records per second over all senders; unset: each sender sends again as soon as it is answered. */
  ratePerSecond?: number;
  producer?: ProducerOptions;
  requestTimeoutMs?: number;
}

/** One acknowledgement as the sender saw it. */
export interface AckEvent {
  readonly atMs: number;
  readonly offset: number;
  readonly count: number;
}

export class SendLoad {
  readonly sends: SendOp[] = [];
  readonly acks: AckEvent[] = [];
  private readonly client: BrokerlabClient;
  private readonly senders: Promise<void>[] = [];
  private running = false;
  private stopped: Promise<void> | undefined;
  private acknowledged = 0;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly options: SendLoadOptions) {
    this.client = createClient({ bootstrapServers: options.bootstrapServers, requestTimeoutMs: options.requestTimeoutMs ?? 10_000 });
  }

  /** Values acknowledged so far. */
  get acknowledgedValues(): number {
    return this.acknowledged;
  }

  get errors(): string[] {
    return this.sends.filter((s) => s.outcome !== 'ok').map((s) => s.error ?? 'unknown');
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const producer = this.client.producer({ acks: this.options.acks, deliveryTimeoutMs: 30_000, ...this.options.producer });
    const senders = this.options.senders ?? 4;
    for (let i = 0; i < senders; i++) this.senders.push(this.runSender(producer, i, senders));
  }

  /**
   * Stops sending, gives the sends in flight up to `graceMs` to finish, then closes the client,
   * which fails whatever is left (recorded as indeterminate). Safe to call more than once.
   */
  stop(graceMs = 5_000): Promise<void> {
    this.running = false;
    this.stopped ??= (async () => {
      const settled = Promise.all(this.senders);
      await Promise.race([settled, sleep(graceMs)]);
      await this.client.close({ timeoutMs: 1_000 }).catch(() => undefined);
      await Promise.race([settled, sleep(graceMs)]);
      for (const wake of this.waiters) wake();
    })();
    return this.stopped;
  }

  /** Resolves once `count` more values than now are acknowledged; rejects after `timeoutMs`. */
  async waitForMoreAcks(count: number, timeoutMs: number): Promise<void> {
    const target = this.acknowledged + count;
    const deadline = performance.now() + timeoutMs;
    while (this.acknowledged < target) {
      const left = deadline - performance.now();
      if (left <= 0 || !this.running) {
        throw new Error(`only ${this.acknowledged - (target - count)} of ${count} more values acknowledged within ${timeoutMs} ms; last errors: ${this.errors.slice(-3).join(' | ')}`);
      }
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 100));
        this.waiters.add(wake);
      });
    }
  }

  private async runSender(producer: ReturnType<BrokerlabClient['producer']>, id: number, senders: number): Promise<void> {
    const { topic, partition } = this.options;
    const perSend = this.options.valuesPerSend ?? 5;
    const process = `${this.options.prefix ?? 'v'}-${id}`;
    const intervalMs = this.options.ratePerSecond ? (1000 * perSend * senders) / this.options.ratePerSecond : 0;
    let next = performance.now();
    for (let n = 0; this.running; ) {
      const values = Array.from({ length: perSend }, () => `${process}-${n++}`);
      const invokeMs = performance.now();
      try {
        const results = await producer.send({ topic, messages: values.map((value) => ({ value, partition })) });
        const completeMs = performance.now();
        this.recordAcknowledged(process, values, results.map((r) => r.offset), invokeMs, completeMs);
      } catch (e) {
        this.sends.push({
          process,
          partition,
          values,
          acks: this.options.acks === 'all' ? -1 : 1,
          invokeMs,
          completeMs: performance.now(),
          outcome: 'info',
          error: e instanceof BrokerError ? `${e.kafkaName}: ${e.message}` : String(e),
        });
        // The producer has retried what it could; do not spin on an error that comes back at once.
        await sleep(50);
      }
      if (intervalMs > 0) {
        next += intervalMs;
        const waitMs = next - performance.now();
        if (waitMs > 0) await sleep(waitMs);
        else next = performance.now();
      }
    }
  }

  /** One history entry per send, or per value when the producer split a send over batches. */
  private recordAcknowledged(process: string, values: string[], offsets: number[], invokeMs: number, completeMs: number): void {
    const { partition } = this.options;
    const acks = this.options.acks === 'all' ? -1 : 1;
    const contiguous = offsets.every((o, i) => o === offsets[0]! + i);
    if (contiguous) {
      this.sends.push({ process, partition, values, acks, invokeMs, completeMs, outcome: 'ok', offset: offsets[0]! });
    } else {
      values.forEach((value, i) => this.sends.push({ process, partition, values: [value], acks, invokeMs, completeMs, outcome: 'ok', offset: offsets[i]! }));
    }
    this.acks.push({ atMs: completeMs, offset: Math.min(...offsets), count: values.length });
    this.acknowledged += values.length;
    for (const wake of this.waiters) wake();
  }
}

