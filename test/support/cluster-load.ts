/**
 * Load and read-back against a real cluster, shared by the replication integration tests and the
 * failover benchmark:
 * - `SendLoad`: a few sequential senders, each sending unique values to one partition and
 *   recording every send in `src/check`'s history shape (one send in flight per sender, so each
 *   sender's acknowledged offsets must grow in send order);
 * - `readUntilOffset`: a partition from its start up to an offset (its high watermark), through the
 *   consumer;
 * - `readReplicaLog`: one replica's log straight from its segment files (whole batches only);
 * - `finalPartition`: both, as the `FinalPartition` the history checker wants.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findPartition, type LocalCluster, type PartitionView } from '../../cluster/index.js';
import type { FinalPartition, RecordAt, ReplicaLog, SendOp } from '../../src/check/index.js';
import { BrokerError, createClient, type BrokerlabClient, type ProducerOptions } from '../../src/client/index.js';
import { iterateBatches, partitionDirName, readRecords } from '../../src/log/index.js';

export { STEADY_LEADERS } from '../../cluster/presets.js';

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

/** Acknowledged offsets of each sender, in the order its sends were made. */
export function acknowledgedOffsetsBySender(sends: readonly SendOp[]): Map<string, number[]> {
  const bySender = new Map<string, number[]>();
  for (const send of [...sends].sort((a, b) => a.invokeMs - b.invokeMs)) {
    if (send.outcome !== 'ok' || send.offset === undefined) continue;
    const offsets = bySender.get(send.process) ?? [];
    send.values.forEach((_, i) => offsets.push(send.offset! + i));
    bySender.set(send.process, offsets);
  }
  return bySender;
}

/**
 * Reads a partition through the consumer from its start until `untilOffset` (exclusive); throws
 * when it cannot get that far within `timeoutMs`. (`readFirstRecords` in `cluster-helpers.ts`
 * counts records instead and returns what it got.)
 */
export async function readUntilOffset(bootstrapServers: string[], topic: string, partition: number, untilOffset: number, timeoutMs = 30_000): Promise<RecordAt[]> {
  const client = createClient({ bootstrapServers, requestTimeoutMs: 10_000 });
  const records: RecordAt[] = [];
  try {
    const consumer = client.consumer({ autoOffsetReset: 'earliest', maxPollRecords: 5_000 });
    consumer.assign([{ topic, partition, offset: 'earliest' }]);
    const deadline = performance.now() + timeoutMs;
    let next = 0;
    while (next < untilOffset && performance.now() < deadline) {
      for (const r of await consumer.poll({ maxWaitMs: 250 })) {
        records.push({ offset: r.offset, value: r.value?.toString('utf8') ?? '' });
        next = r.offset + 1;
      }
    }
    if (next < untilOffset) throw new Error(`read ${topic}-${partition} only to offset ${next} of ${untilOffset} within ${timeoutMs} ms`);
    return records.filter((r) => r.offset < untilOffset);
  } finally {
    await client.close();
  }
}

export interface StoredBatch {
  readonly baseOffset: number;
  /** Exclusive. */
  readonly nextOffset: number;
  readonly leaderEpoch: number;
}

export interface StoredLog extends ReplicaLog {
  readonly batches: readonly StoredBatch[];
}

/**
 * One replica's log as its segment files hold it, read without the log module so nothing is
 * recovered or rewritten; a torn batch at the end (a write in progress) ends the read.
 */
export function readReplicaLog(node: number, dataDir: string, topic: string, partition: number, belowOffset = Number.MAX_SAFE_INTEGER): StoredLog {
  const dir = join(dataDir, 'logs', partitionDirName(topic, partition));
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^\d{20}\.log$/.test(f)).sort() : [];
  const records: RecordAt[] = [];
  const batches: StoredBatch[] = [];
  for (const file of files) {
    const buf = readFileSync(join(dir, file));
    try {
      for (const { header, position } of iterateBatches(buf)) {
        const nextOffset = header.baseOffset + header.lastOffsetDelta + 1;
        batches.push({ baseOffset: header.baseOffset, nextOffset, leaderEpoch: header.partitionLeaderEpoch });
        if (header.baseOffset >= belowOffset) continue;
        for (const r of readRecords(buf, position)) {
          if (r.offset < belowOffset) records.push({ offset: r.offset, value: r.value?.toString('utf8') ?? '' });
        }
      }
    } catch (e) {
      if (!(e instanceof BrokerError)) throw e;
    }
  }
  const logStartOffset = batches[0]?.baseOffset ?? 0;
  const logEndOffset = batches.at(-1)?.nextOffset ?? logStartOffset;
  return { node, logStartOffset, logEndOffset, records, batches };
}

/** Every assigned replica's stored log of a partition. */
export function readReplicaLogs(cluster: LocalCluster, topic: string, partition: number, replicas: readonly number[], belowOffset?: number): StoredLog[] {
  return replicas.map((id) => {
    const node = cluster.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no node ${id} in the cluster`);
    return readReplicaLog(id, node.dataDir, topic, partition, belowOffset);
  });
}

/**
 * Waits until the partition has a leader, an ISR of `isrSize`, and every replica's log end equals
 * the high watermark; returns that status view. A timeout says what the cluster looked like.
 */
export async function waitForQuiet(cluster: LocalCluster, topic: string, partition: number, isrSize: number, timeoutMs: number): Promise<PartitionView> {
  try {
    return await cluster.waitFor(
      (s) => {
        const p = findPartition(s, topic, partition);
        if (!p || p.leader < 0 || p.isr.length !== isrSize || p.highWatermark === undefined) return undefined;
        return p.replicaStates.every((r) => !p.isr.includes(r.id) || r.logEndOffset === p.highWatermark) ? p : undefined;
      },
      `${topic}-${partition} to be quiet with ${isrSize} in-sync replicas at the high watermark`,
      { timeoutMs },
    );
  } catch (e) {
    throw await withClusterPicture(cluster, e, topic, partition);
  }
}

/** `error` with the partition's and the nodes' current state appended, for a failure message. */
export async function withClusterPicture(cluster: LocalCluster, error: unknown, topic: string, partition: number): Promise<Error> {
  const message = error instanceof Error ? error.message : String(error);
  try {
    const status = await cluster.status();
    const nodes = status.nodes.map((n) => `${n.id}:${n.process}${n.reachable ? '' : '(unreachable)'}${n.broker?.fenced ? '(fenced)' : ''}`).join(' ');
    return new Error(`${message}\n  nodes ${nodes}\n  ${JSON.stringify(findPartition(status, topic, partition) ?? 'no such partition')}`);
  } catch {
    return error instanceof Error ? error : new Error(message);
  }
}

/**
 * The partition as the checker wants it at the end of a run: the leader's records below the high
 * watermark read through the consumer, and every replica's stored log below it.
 */
export async function finalPartition(cluster: LocalCluster, topic: string, partition: number, isrSize: number, timeoutMs = 30_000): Promise<FinalPartition & { replicas: StoredLog[] }> {
  const view = await waitForQuiet(cluster, topic, partition, isrSize, timeoutMs);
  const highWatermark = view.highWatermark!;
  const records = await readUntilOffset(cluster.bootstrapServers, topic, partition, highWatermark, timeoutMs);
  const replicas = readReplicaLogs(cluster, topic, partition, view.replicas, highWatermark);
  return {
    partition,
    leader: view.leader,
    highWatermark,
    logStartOffset: records[0]?.offset ?? 0,
    records,
    replicas,
  };
}
