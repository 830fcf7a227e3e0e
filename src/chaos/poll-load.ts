/**
 * A queue workload's consuming side: one consumer, either assigned every partition from the
 * earliest offset (a plain reader) or a member of a group that commits by hand after each poll
 * (at-least-once, as a careful application does). Every poll that returns records is recorded
 * in `src/check`'s history shape, one PollOp per partition, so the checker can tell dirty reads
 * and offsets that disagree with what producers were told.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PollOp, RecordAt } from '../check/index.js';
import { createClient, type BrokerlabClient, type ConsumedRecord, type Consumer } from '../client/index.js';

export type PollLoadMode = { readonly kind: 'assigned'; readonly partitions: number } | { readonly kind: 'group'; readonly groupId: string };

export interface PollLoadOptions {
  readonly bootstrapServers: string[];
  readonly topic: string;
  /** The history's process name. */
  readonly process: string;
  readonly mode: PollLoadMode;
}

export class PollLoad {
  readonly polls: PollOp[] = [];
  /** Errors polls and commits met (retried: consumers carry on, as applications do). */
  readonly errors: string[] = [];
  /** Offset after the last record read, per partition. */
  readonly positions = new Map<number, number>();
  private readonly client: BrokerlabClient;
  private readonly consumer: Consumer;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: PollLoadOptions) {
    this.client = createClient({ bootstrapServers: options.bootstrapServers, requestTimeoutMs: 10_000 });
    const { mode, topic } = options;
    if (mode.kind === 'assigned') {
      this.consumer = this.client.consumer({ autoOffsetReset: 'earliest', maxPollRecords: 2_000 });
      this.consumer.assign(Array.from({ length: mode.partitions }, (_, partition) => ({ topic, partition, offset: 'earliest' as const })));
    } else {
      this.consumer = this.client.consumer({ groupId: mode.groupId, autoCommit: false, autoOffsetReset: 'earliest', maxPollRecords: 2_000 });
      this.consumer.subscribe([topic]);
    }
  }

  get recordsRead(): number {
    return this.polls.reduce((n, p) => n + p.records.length, 0);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling and closes the consumer (a group member leaves its group). Bounded. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.race([this.loop, sleep(5_000)]);
    await this.client.close({ timeoutMs: 2_000 }).catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const invokeMs = performance.now();
      let records: ConsumedRecord[];
      try {
        records = await this.consumer.poll({ maxWaitMs: 250 });
      } catch (e) {
        this.noteError('poll', e);
        await sleep(100);
        continue;
      }
      if (records.length === 0) continue;
      this.record(records, invokeMs, performance.now());
      if (this.options.mode.kind === 'group') {
        try {
          await this.consumer.commit();
        } catch (e) {
          // The records will be read again by whoever owns the partition next: at least once.
          this.noteError('commit', e);
        }
      }
    }
  }

  private record(records: readonly ConsumedRecord[], invokeMs: number, completeMs: number): void {
    const byPartition = new Map<number, RecordAt[]>();
    for (const r of records) {
      let list = byPartition.get(r.partition);
      if (!list) byPartition.set(r.partition, (list = []));
      list.push({ offset: r.offset, value: r.value?.toString('utf8') ?? '' });
    }
    for (const [partition, list] of byPartition) {
      this.polls.push({ process: this.options.process, partition, invokeMs, completeMs, fetchOffset: list[0]!.offset, records: list });
      this.positions.set(partition, list.at(-1)!.offset + 1);
    }
  }

  private noteError(what: string, e: unknown): void {
    // Keep the list bounded: a long outage repeats the same error many times.
    if (this.errors.length < 1_000) this.errors.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
